// SPDX-License-Identifier: GPL-3.0-or-later
// Runs Storage on one thread of its own, off the I/O threads, with group commit: the worker
// takes every job queued at that moment, runs them in ONE transaction (each in a savepoint,
// so one failing job does not undo its neighbours), commits once (one fsync for the batch),
// and only then reports each result. A completion therefore never announces a write that is
// not durable. A batch the database gave up (kStorageRetry: another relay on the same
// PostgreSQL conflicted) runs again, whole, a bounded number of times; jobs must therefore be
// safe to run more than once (they only read their captures and call Storage).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "parley/error.hpp"
#include "storage.hpp"

namespace parley::relay {

class StorageWorker {
 public:
  explicit StorageWorker(std::unique_ptr<Storage> storage);
  ~StorageWorker();  // stop(): runs what is queued, then joins
  StorageWorker(const StorageWorker&) = delete;
  StorageWorker& operator=(const StorageWorker&) = delete;

  // Queues `job`; `done` receives its result on the storage thread after the batch holding it
  // committed (or the commit error if it did not). `done` must be quick: post to a strand.
  // Jobs submitted after stop() fail at once with Errc::closed.
  template <class T>
  void submit(std::function<Result<T>(Storage&)> job, std::function<void(Result<T>)> done) {
    auto slot = std::make_shared<std::optional<Result<T>>>();
    Job erased;
    erased.run = [job = std::move(job), slot](Storage& storage) -> Status {
      slot->emplace(job(storage));
      if ((*slot)->ok()) return {};
      return (*slot)->error();
    };
    erased.finish = [done = std::move(done), slot](const Error* failure) {
      if (failure || !slot->has_value()) {
        done(failure ? *failure : make_error(Errc::internal, "storage job did not run"));
      } else {
        done(std::move(**slot));
      }
    };
    enqueue(std::move(erased));
  }

  // Finishes the queued jobs and stops the thread. Idempotent.
  void stop();

  // Counters for tests and logs.
  std::uint64_t batches() const;
  std::uint64_t jobs() const;
  std::uint64_t retries() const;  // batches run again after kStorageRetry

  // Attempts per batch before its jobs fail with store_io.
  static constexpr int kMaxAttempts = 10;

 private:
  struct Job {
    std::function<Status(Storage&)> run;
    std::function<void(const Error*)> finish;
  };
  void enqueue(Job job);
  void loop();
  void run_batch(std::deque<Job>& batch);
  Status run_once(std::deque<Job>& batch);

  std::unique_ptr<Storage> storage_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::uint64_t batches_ = 0;
  std::uint64_t jobs_ = 0;
  std::uint64_t retries_ = 0;
  std::thread thread_;  // last: started after everything above exists
};

}  // namespace parley::relay
