// Intrusive doubly linked lists: every kernel queue, enqueue never allocates.
#pragma once

#include "lib/assert.h"

#include <stddef.h>

namespace helios {

// A link embedded in an object. An unlinked node points to itself.
struct ListNode {
    ListNode* prev = this;
    ListNode* next = this;

    ListNode() = default;
    ListNode(const ListNode&) = delete;
    ListNode& operator=(const ListNode&) = delete;

    bool linked() const { return next != this; }

    // Remove this node from whatever list holds it; harmless when unlinked.
    void unlink() {
        prev->next = next;
        next->prev = prev;
        prev = next = this;
    }
};

// A list of T linked through the member `Node` (a pointer-to-member).
template <typename T, ListNode T::*Node>
class List {
public:
    List() = default;
    List(const List&) = delete;
    List& operator=(const List&) = delete;

    bool empty() const { return !head_.linked(); }

    void push_back(T* item) { insert_before(&head_, &(item->*Node)); }
    void push_front(T* item) { insert_before(head_.next, &(item->*Node)); }

    T* front() const { return empty() ? nullptr : from_node(head_.next); }
    T* back() const { return empty() ? nullptr : from_node(head_.prev); }

    T* pop_front() {
        T* item = front();
        if (item) (item->*Node).unlink();
        return item;
    }

    static void remove(T* item) { (item->*Node).unlink(); }

    // Next element after item, or null at the end.
    T* next(T* item) const {
        ListNode* n = (item->*Node).next;
        return n == &head_ ? nullptr : from_node(n);
    }

    size_t size() const {
        size_t n = 0;
        for (ListNode* p = head_.next; p != &head_; p = p->next) ++n;
        return n;
    }

    static T* from_node(const ListNode* node) {
        // The offset of Node within T, computed without a null-pointer trick.
        alignas(T) static constexpr char probe_storage[sizeof(T)] = {};
        const T* probe = reinterpret_cast<const T*>(probe_storage);
        auto offset = reinterpret_cast<const char*>(&(probe->*Node)) - reinterpret_cast<const char*>(probe);
        return reinterpret_cast<T*>(const_cast<char*>(reinterpret_cast<const char*>(node) - offset));
    }

private:
    // A node is on at most one list: pushing one that is still linked
    // elsewhere would silently move it, hiding the caller's bug, so it is
    // a broken invariant. Move an item by removing it first.
    static void insert_before(ListNode* pos, ListNode* node) {
        HELIOS_ASSERT(!node->linked());
        node->next = pos;
        node->prev = pos->prev;
        pos->prev->next = node;
        pos->prev = node;
    }

    mutable ListNode head_;
};

}  // namespace helios
