// Intrusive list: push/pop at both ends, unlink, iteration, membership.
#include "lib/list.h"
#include "support/aborts.h"

#include <catch2/catch.hpp>

using namespace helios;
using helios::test::aborts_with;

namespace {
struct Item {
    int value = 0;
    ListNode a;  // two links: an item may sit in two lists at once
    ListNode b;
};
using ListA = List<Item, &Item::a>;
using ListB = List<Item, &Item::b>;
}  // namespace

TEST_CASE("list: empty list", "[list]") {
    ListA l;
    CHECK(l.empty());
    CHECK(l.front() == nullptr);
    CHECK(l.back() == nullptr);
    CHECK(l.pop_front() == nullptr);
    CHECK(l.size() == 0);
}

TEST_CASE("list: push_back keeps order, push_front goes to the head", "[list]") {
    Item x[4];
    for (int i = 0; i < 4; ++i) x[i].value = i;
    ListA l;
    l.push_back(&x[1]);
    l.push_back(&x[2]);
    l.push_front(&x[0]);
    l.push_back(&x[3]);
    CHECK(l.size() == 4);
    CHECK(l.front() == &x[0]);
    CHECK(l.back() == &x[3]);
    int expect = 0;
    for (Item* it = l.front(); it; it = l.next(it)) CHECK(it->value == expect++);
    CHECK(expect == 4);
}

TEST_CASE("list: unlink from the middle, twice, and pop_front", "[list]") {
    Item x[3];
    ListA l;
    for (auto& i : x) l.push_back(&i);
    CHECK(x[1].a.linked());
    ListA::remove(&x[1]);
    CHECK_FALSE(x[1].a.linked());
    x[1].a.unlink();  // harmless when unlinked
    CHECK(l.size() == 2);
    CHECK(l.next(&x[0]) == &x[2]);
    CHECK(l.pop_front() == &x[0]);
    CHECK_FALSE(x[0].a.linked());
    CHECK(l.pop_front() == &x[2]);
    CHECK(l.empty());
}

TEST_CASE("list: pushing an item still on a list is a broken invariant (the kernel asserts)", "[list]") {
    // HELIOS_ASSERT aborts through the fake arch's panic: run it in a child.
    CHECK(aborts_with("kernel assertion failed: !node->linked()", [] {
        Item x[2];
        ListA l1, l2;
        l1.push_back(&x[0]);
        l2.push_back(&x[0]);
    }));
    Item x[3];
    ListA l1;
    for (auto& i : x) l1.push_back(&i);
    ListA::remove(&x[0]);  // moving an item: remove, then push
    l1.push_back(&x[0]);
    CHECK(l1.front() == &x[1]);
    CHECK(l1.back() == &x[0]);
}

TEST_CASE("list: one item in two lists through two links", "[list]") {
    Item x[2];
    ListA la;
    ListB lb;
    la.push_back(&x[0]);
    la.push_back(&x[1]);
    lb.push_back(&x[1]);
    lb.push_back(&x[0]);
    CHECK(la.front() == &x[0]);
    CHECK(lb.front() == &x[1]);
    ListB::remove(&x[1]);
    CHECK(la.size() == 2);
    CHECK(lb.size() == 1);
    CHECK(ListA::from_node(&x[1].a) == &x[1]);
    CHECK(ListB::from_node(&x[0].b) == &x[0]);
}
