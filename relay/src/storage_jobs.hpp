// SPDX-License-Identifier: GPL-3.0-or-later
// The storage work the relay core asks for, as plain values: the core (relay_core.hpp) returns
// them, a driver runs each with run_job() — the WebSocket session on the storage worker, a
// test synchronously — and hands the result back to RelayCore::done(). Jobs only read their
// fields and call Storage, so running one again (a group-commit batch retried) is safe.
#pragma once

#include <cstdint>
#include <optional>
#include <variant>
#include <vector>

#include "parley/error.hpp"
#include "parley/types.hpp"
#include "storage.hpp"

namespace parley::relay {

// Each job names the value its result carries (`Value`), for typed completion.
struct RegisterJob {
  using Value = std::uint32_t;  // one-time prekeys now stored
  DeviceRecord device;
  std::vector<PreKeyRecord> prekeys;
  Admission admission;
};

struct FindDeviceJob {
  using Value = AuthRecord;
  Address address;
};

struct UploadPreKeysJob {
  using Value = std::uint32_t;  // one-time prekeys now stored
  Address address;
  std::optional<SignedPreKeyRecord> signed_prekey;
  std::vector<PreKeyRecord> prekeys;
};

struct FetchBundleJob {
  using Value = BundleRecord;
  std::uint32_t request_id = 0;  // echoed in the answer
  Address owner;
};

struct StoreMessageJob {
  using Value = StoreOutcome;
  Address sender;
  MessageId message_id;
  std::vector<Address> recipients;  // distinct
  Bytes payload;
  TimeMs now = 0;
};

struct AckJob {
  using Value = std::uint32_t;  // rows deleted
  Address recipient;
  std::vector<std::uint64_t> delivery_ids;
};

struct LoadMailboxJob {
  using Value = MailboxPage;
  Address recipient;
  std::uint64_t after = 0;
  std::size_t max_count = 0;
  std::size_t max_bytes = 0;
};

using StorageJob =
    std::variant<RegisterJob, FindDeviceJob, UploadPreKeysJob, FetchBundleJob, StoreMessageJob, AckJob, LoadMailboxJob>;

Result<RegisterJob::Value> run_job(Storage& storage, const RegisterJob& job);
Result<FindDeviceJob::Value> run_job(Storage& storage, const FindDeviceJob& job);
Result<UploadPreKeysJob::Value> run_job(Storage& storage, const UploadPreKeysJob& job);
Result<FetchBundleJob::Value> run_job(Storage& storage, const FetchBundleJob& job);
Result<StoreMessageJob::Value> run_job(Storage& storage, const StoreMessageJob& job);
Result<AckJob::Value> run_job(Storage& storage, const AckJob& job);
Result<LoadMailboxJob::Value> run_job(Storage& storage, const LoadMailboxJob& job);

}  // namespace parley::relay
