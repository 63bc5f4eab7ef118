// SPDX-License-Identifier: GPL-3.0-or-later
#include "storage_worker.hpp"

#include <chrono>

#include "metrics.hpp"

#include "log.hpp"
#include "relay_errors.hpp"

namespace parley::relay {

StorageWorker::StorageWorker(std::unique_ptr<Storage> storage) : storage_(std::move(storage)), thread_([this] { loop(); }) {}

StorageWorker::~StorageWorker() { stop(); }

void StorageWorker::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::uint64_t StorageWorker::batches() const {
  std::lock_guard lock(mutex_);
  return batches_;
}

std::uint64_t StorageWorker::jobs() const {
  std::lock_guard lock(mutex_);
  return jobs_;
}

std::uint64_t StorageWorker::retries() const {
  std::lock_guard lock(mutex_);
  return retries_;
}

void StorageWorker::enqueue(Job job) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      queue_.push_back(std::move(job));
      wake_.notify_one();
      return;
    }
  }
  const Error closed = make_error(Errc::closed, "the relay's storage is shutting down");
  job.finish(&closed);
}

void StorageWorker::loop() {
  while (true) {
    std::deque<Job> batch;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      batch.swap(queue_);          // every job queued at this moment
      ++batches_;
      jobs_ += batch.size();
    }
    run_batch(batch);
  }
}

void StorageWorker::run_batch(std::deque<Job>& batch) {
  Status committed;
  for (int attempt = 1;; ++attempt) {
    committed = run_once(batch);
    if (committed || committed.error().code != kStorageRetry || attempt >= kMaxAttempts) break;
    {
      std::lock_guard lock(mutex_);
      ++retries_;
    }
    metrics().storage_retry();
    // The other relay's transaction is finishing: a short, growing pause lets it through.
    std::this_thread::sleep_for(std::chrono::milliseconds(attempt * 2));
  }
  metrics().batch_size.observe(batch.size());
  if (!committed) {
    log_line("storage: commit failed, " + std::to_string(batch.size()) +
             " requests fail: " + relay_error_text(committed.error()));
    // A full disk is the client's storage_full (retry later), not an internal failure.
    const Error failure = committed.error().code == kStorageFull
                              ? committed.error()
                              : make_error(Errc::store_io, "the relay could not store the request durably");
    for (auto& job : batch) job.finish(&failure);
    return;
  }
  for (auto& job : batch) job.finish(nullptr);
}

Status StorageWorker::run_once(std::deque<Job>& batch) {
  Storage& storage = *storage_;
  if (auto began = storage.begin_batch(); !began) {
    log_line("storage: cannot begin a transaction: " + began.error().to_string());
    return began;
  }
  for (auto& job : batch) {
    if (auto sp = storage.savepoint(); !sp) {
      // The transaction is unusable; the commit below reports the failure to everyone.
      log_line("storage: cannot open a savepoint: " + sp.error().to_string());
      continue;
    }
    if (job.run(storage)) {
      if (!storage.release_savepoint()) storage.rollback_savepoint();
    } else {
      storage.rollback_savepoint();  // the job's own error is reported by finish()
    }
  }
  const auto started = std::chrono::steady_clock::now();
  auto committed = storage.commit_batch();
  metrics().commit_latency.observe(static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count()));
  return committed;
}

}  // namespace parley::relay
