// SPDX-License-Identifier: GPL-3.0-or-later
// Escalations a member forges (issue 11, hole 6): the supervisor hears an escalation only for
// a message it holds, from its sender, for a party that message waits on, once that party is
// overdue on the supervisor's own clock. Forged ones, sent over the member's real session,
// raise nothing; the honest one still does.
#include "cells/codec.hpp"
#include "cells_fixture.hpp"
#include "hotline/codec.hpp"
#include "pairwise/sessions.hpp"

namespace parley::cells::test {
namespace {

constexpr TimeMs kMinute = 60'000;

class EscalationChecksTest : public CellsTest {
 protected:
  CellId hotline_cell() {
    const CellId cell = make_seed_cell();
    charter::ChannelPolicy intel = node(kUs).engine->charter(cell)->state().channels.at("intel").policy;
    intel.ack_required = true;
    intel.ack_deadline_seconds = 3600;
    EXPECT_TRUE(node(kUs).engine->commit(cell, {charter::SetChannelPolicy{"intel", intel}}, now).ok());
    run();
    tick(now + kMinute);  // past the supervisor's beacon after the commit
    return cell;
  }

  // `from` escalates `target` (overdue for `party` since `deadline`) to the supervisor over
  // its real pairwise session, as its engine would.
  void escalate(const Address& from, const CellId& cell, const hotline::MessageRef& target, const std::string& party,
                TimeMs deadline) {
    const Bytes notice = hotline::encode(hotline::Body{hotline::EscalationNotice{target, party, deadline}});
    envelope::Content content;
    content.message_id.bytes.fill(++forged_);
    content.kind = envelope::ContentKind::escalation;
    content.body = cells::encode(cells::Escalation{cell, "intel", notice});
    auto adapter = pairwise::SignalStoreAdapter::create(*node(from).store);
    ASSERT_TRUE(adapter.ok());
    pairwise::Sessions sessions(**adapter);
    auto sealed = sessions.encrypt(kUs, envelope::encode(content));
    ASSERT_TRUE(sealed.ok()) << sealed.error().to_string();
    relay.inject(from, kUs, envelope::encode(*sealed));
    relay.push_all(inbox);
    run();
  }

  std::uint8_t forged_ = 0x40;
};

TEST_F(EscalationChecksTest, ForgedEscalationsRaiseNothingAndTheHonestOneStillDoes) {
  const CellId cell = hotline_cell();
  const TimeMs sent = now;
  auto flash = node(kIl).engine->post(cell, "intel", "FLASH: convoy at the crossing", now, Precedence::flash);
  ASSERT_TRUE(flash.ok()) << flash.error().to_string();
  run();
  const hotline::MessageRef real{kIl, *flash};

  // Before the deadline: "overdue since an hour ago" is the sender's word against the clock.
  escalate(kIl, cell, real, "SY", sent - 60 * kMinute);
  // A message nobody ever posted.
  MessageId invented;
  invented.bytes.fill(0x5a);
  tick(sent + 11 * kMinute);  // the real FLASH is overdue for SY now (10 min)
  const std::size_t honest = node(kUs).all<EscalationReceived>().size();
  ASSERT_EQ(honest, 1u) << "the honest escalation must arrive";
  escalate(kIl, cell, hotline::MessageRef{kIl, invented}, "SY", sent);
  // A party the message does not wait on: IL posted it, IL is not asked.
  escalate(kIl, cell, real, "IL", sent);
  // Someone else's message: SY escalating IL's FLASH.
  escalate(kSy, cell, real, "SY", sent);
  // A party that is not in the cell.
  escalate(kIl, cell, real, "XX", sent);

  auto escalations = node(kUs).all<EscalationReceived>();
  ASSERT_EQ(escalations.size(), 1u) << "a forged escalation was heard";
  EXPECT_EQ(escalations[0].id, *flash);
  EXPECT_EQ(escalations[0].party, "SY");
}

}  // namespace
}  // namespace parley::cells::test
