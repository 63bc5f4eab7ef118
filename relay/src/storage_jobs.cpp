// SPDX-License-Identifier: GPL-3.0-or-later
#include "storage_jobs.hpp"

namespace parley::relay {

Result<RegisterJob::Value> run_job(Storage& storage, const RegisterJob& job) {
  return storage.register_device(job.device, job.prekeys, job.admission);
}

Result<FindDeviceJob::Value> run_job(Storage& storage, const FindDeviceJob& job) {
  return storage.find_device(job.address);
}

Result<UploadPreKeysJob::Value> run_job(Storage& storage, const UploadPreKeysJob& job) {
  return storage.upload_prekeys(job.address, job.signed_prekey, job.prekeys);
}

Result<FetchBundleJob::Value> run_job(Storage& storage, const FetchBundleJob& job) {
  return storage.fetch_bundle(job.owner);
}

Result<StoreMessageJob::Value> run_job(Storage& storage, const StoreMessageJob& job) {
  return storage.store_message(job.sender, job.message_id, job.recipients, job.payload, job.now);
}

Result<AckJob::Value> run_job(Storage& storage, const AckJob& job) {
  return storage.ack(job.recipient, job.delivery_ids);
}

Result<LoadMailboxJob::Value> run_job(Storage& storage, const LoadMailboxJob& job) {
  return storage.load_mailbox(job.recipient, job.after, job.max_count, job.max_bytes);
}

}  // namespace parley::relay
