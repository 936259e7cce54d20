// AlertBus: every subscriber gets each alert once, in order; a full queue counts overflow instead
// of blocking the publisher; Close() and dropped subscribers end delivery.
#include <gtest/gtest.h>

#include <thread>

#include "server/alert/alert_bus.h"

namespace ulna::server {
namespace {

using std::chrono::milliseconds;

Alert MakeAlert(const std::string& id) {
  Alert alert;
  alert.id = id;
  return alert;
}

TEST(AlertBusTest, FansOutInOrder) {
  AlertBus bus;
  auto a = bus.Subscribe();
  auto b = bus.Subscribe();
  bus.Publish(MakeAlert("1"));
  bus.Publish(MakeAlert("2"));
  for (auto* sub : {&a, &b}) {
    EXPECT_EQ((*sub)->Next(milliseconds(0))->id, "1");
    EXPECT_EQ((*sub)->Next(milliseconds(0))->id, "2");
    EXPECT_FALSE((*sub)->Next(milliseconds(0)).has_value());
  }
}

TEST(AlertBusTest, OverflowIsCountedNotBlocking) {
  AlertBus bus;
  auto sub = bus.Subscribe(2);
  for (int i = 0; i < 5; ++i) bus.Publish(MakeAlert(std::to_string(i)));
  EXPECT_EQ(sub->overflowed(), 3u);
  EXPECT_EQ(sub->Next(milliseconds(0))->id, "0");
  EXPECT_EQ(sub->Next(milliseconds(0))->id, "1");
  EXPECT_FALSE(sub->Next(milliseconds(0)).has_value());
}

TEST(AlertBusTest, NextWakesOnPublishAndCloseEndsDelivery) {
  AlertBus bus;
  auto sub = bus.Subscribe();
  std::thread publisher([&] {
    std::this_thread::sleep_for(milliseconds(50));
    bus.Publish(MakeAlert("late"));
  });
  auto alert = sub->Next(milliseconds(5000));
  publisher.join();
  ASSERT_TRUE(alert.has_value());
  EXPECT_EQ(alert->id, "late");

  bus.Publish(MakeAlert("queued"));
  sub->Close();
  EXPECT_FALSE(sub->Next(milliseconds(0)).has_value());
  bus.Publish(MakeAlert("after-close"));
  EXPECT_EQ(sub->overflowed(), 0u);
}

TEST(AlertBusTest, DroppedSubscriberIsForgotten) {
  AlertBus bus;
  std::weak_ptr<AlertSubscription> weak;
  {
    auto sub = bus.Subscribe();
    weak = sub;
  }
  bus.Publish(MakeAlert("x"));  // must not touch the freed subscription
  EXPECT_TRUE(weak.expired());
  auto live = bus.Subscribe();
  bus.Publish(MakeAlert("y"));
  EXPECT_EQ(live->Next(milliseconds(0))->id, "y");
}

}  // namespace
}  // namespace ulna::server
