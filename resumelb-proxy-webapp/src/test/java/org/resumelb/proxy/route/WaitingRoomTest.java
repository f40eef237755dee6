package org.resumelb.proxy.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Requests waiting for a worker: order, bound, timeout, cancellation and races. */
class WaitingRoomTest {

    final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    final AtomicBoolean workers = new AtomicBoolean();
    final List<String> events = Collections.synchronizedList(new ArrayList<>());

    @AfterEach
    void stop() {
        timer.shutdownNow();
    }

    WaitingRoom room(Duration timeout, int capacity) {
        return new WaitingRoom(timeout, capacity, timer, workers::get);
    }

    WaitingRoom.Guest guest(String name) {
        return new WaitingRoom.Guest() {
            @Override
            public void admit() {
                events.add("admit " + name);
            }

            @Override
            public void turnAway() {
                events.add("away " + name);
            }
        };
    }

    @Test
    void guestsAreAdmittedInArrivalOrderWhenAWorkerJoins() {
        WaitingRoom room = room(Duration.ofMinutes(1), 10);
        for (String g : List.of("a", "b", "c")) {
            assertNotNull(room.enter(guest(g)));
        }
        assertEquals(3, room.waiting());
        assertEquals(List.of(), events, "nobody leaves before a worker comes");
        workers.set(true);
        room.open();
        assertEquals(List.of("admit a", "admit b", "admit c"), events);
        assertEquals(0, room.waiting());
        room.open();
        assertEquals(3, events.size(), "each guest ends once");
    }

    @Test
    void aFullRoomOrAZeroTimeoutRefusesAtTheDoor() {
        WaitingRoom room = room(Duration.ofMinutes(1), 2);
        assertNotNull(room.enter(guest("a")));
        assertNotNull(room.enter(guest("b")));
        assertNull(room.enter(guest("c")), "capacity 2");
        assertEquals(2, room.waiting());
        assertNull(room(Duration.ZERO, 10).enter(guest("d")), "queueTimeout=0 means no waiting");
        assertEquals(List.of(), events, "refused guests get no callback: the caller answers");
    }

    @Test
    void aGuestIsTurnedAwayWhenItsTimeoutPassesAndNotBefore() throws Exception {
        CountDownLatch away = new CountDownLatch(1);
        AtomicInteger admitted = new AtomicInteger();
        WaitingRoom room = room(Duration.ofMillis(200), 10);
        long start = System.nanoTime();
        long[] awayAfter = new long[1];
        room.enter(new WaitingRoom.Guest() {
            @Override
            public void admit() {
                admitted.incrementAndGet();
            }

            @Override
            public void turnAway() {
                awayAfter[0] = System.nanoTime() - start;
                away.countDown();
            }
        });
        assertTrue(away.await(10, TimeUnit.SECONDS), "turned away");
        assertTrue(awayAfter[0] >= TimeUnit.MILLISECONDS.toNanos(200), "not before the timeout: " + awayAfter[0] + " ns");
        assertEquals(0, room.waiting());
        workers.set(true);
        room.open();
        assertEquals(0, admitted.get(), "a guest turned away is never admitted too");
    }

    @Test
    void aCancelledGuestLeavesWithoutACallbackAndFreesItsPlace() {
        WaitingRoom room = room(Duration.ofMinutes(1), 1);
        WaitingRoom.Ticket t = room.enter(guest("a"));
        assertNull(room.enter(guest("b")), "full");
        assertTrue(t.cancel());
        assertFalse(t.cancel(), "once");
        assertEquals(0, room.waiting());
        assertNotNull(room.enter(guest("c")), "its place is free again");
        room.open();
        assertEquals(List.of("admit c"), events);
    }

    @Test
    void aGuestArrivingWhenAWorkerIsAlreadyThereIsAdmittedAtOnce() {
        workers.set(true);
        WaitingRoom room = room(Duration.ofMinutes(1), 10);
        assertNotNull(room.enter(guest("late")));
        assertEquals(List.of("admit late"), events, "the join happened between the caller's check and the queueing");
    }

    @Test
    void closingTurnsEveryoneAwayAndRefusesLaterGuests() {
        WaitingRoom room = room(Duration.ofMinutes(1), 10);
        room.enter(guest("a"));
        room.enter(guest("b"));
        room.close();
        assertEquals(List.of("away a", "away b"), events);
        assertNull(room.enter(guest("c")));
    }

    @Test
    void joinsTimeoutsAndCancelsRacingEndEachGuestExactlyOnce() throws Exception {
        WaitingRoom room = room(Duration.ofMillis(5), 100_000);
        AtomicInteger ends = new AtomicInteger();
        int guests = 20_000;
        WaitingRoom.Guest counting = new WaitingRoom.Guest() {
            @Override
            public void admit() {
                ends.incrementAndGet();
            }

            @Override
            public void turnAway() {
                ends.incrementAndGet();
            }
        };
        List<WaitingRoom.Ticket> tickets = Collections.synchronizedList(new ArrayList<>());
        Thread enter = new Thread(() -> {
            for (int i = 0; i < guests; i++) {
                tickets.add(room.enter(counting));
            }
        });
        Thread open = new Thread(() -> {
            for (int i = 0; i < guests / 10; i++) {
                room.open();
            }
        });
        enter.start();
        open.start();
        enter.join(30_000);
        open.join(30_000);
        int cancelled = 0;
        synchronized (tickets) {
            for (WaitingRoom.Ticket t : tickets) {
                if (t.cancel()) {
                    cancelled++;
                }
            }
        }
        room.open();
        long deadline = System.currentTimeMillis() + 10_000;
        while (ends.get() + cancelled < guests && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(guests, ends.get() + cancelled, "every guest ended exactly once");
        assertEquals(0, room.waiting());
    }
}
