package org.resumelb.proxy.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.resumelb.agent.classify.RequestClasses;
import org.resumelb.agent.resume.Resume;
import org.resumelb.agent.resume.ResumeCodec;
import org.resumelb.agent.resume.ResumeLimits;
import org.resumelb.proxy.Await;
import org.resumelb.proxy.membership.ResumeReceiver;
import org.resumelb.proxy.membership.WorkerDirectory;
import org.resumelb.proxy.operations.ClassCounts;
import org.resumelb.proxy.operations.ProxyMetrics;
import org.resumelb.proxy.pool.PoolSettings;
import org.resumelb.proxy.pool.SwitchablePool;

/**
 * The admission queue over a real pool and router: who gets a freed slot
 * (priority class, then fewest in flight, then turns, then arrival), the
 * bounds (429, 503), timeouts, cancels, joins, retries, and a storm of all of
 * them racing. The order tests are deterministic: every slot frees on the
 * test's own thread, which then admits the next request before it returns.
 */
class AdmissionQueueTest {

    final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    final SwitchablePool pool = new SwitchablePool("least-backlog", PoolSettings.DEFAULTS);
    final WorkerDirectory directory = new WorkerDirectory(pool, Duration.ofMinutes(1), Duration.ofMinutes(5), Clock.systemUTC());
    final ResumeReceiver receiver = new ResumeReceiver(new ResumeCodec(ResumeLimits.DEFAULT), null, true, directory);
    final ProxyMetrics metrics = new ProxyMetrics(pool, directory, receiver, () -> 0);
    final List<String> events = Collections.synchronizedList(new ArrayList<>());
    final Map<String, Lease> leases = new ConcurrentHashMap<>();
    final Map<String, AdmissionQueue.Ticket> tickets = new HashMap<>();
    Router router;
    AdmissionQueue queue;

    @AfterEach
    void stop() {
        timer.shutdownNow();
        directory.close();
    }

    /** A router admitting through a queue of these bounds; the pool's limit set; joins offer slots, as the load balancer wires it. */
    AdmissionQueue queue(int maxBacklog, int reserved, int maxQueued, int maxQueuedPerUser, Duration timeout) {
        return queue(maxBacklog, reserved, new AdmissionQueue.Limits(maxQueued, maxQueuedPerUser, timeout));
    }

    AdmissionQueue queue(int maxBacklog, int reserved, AdmissionQueue.Limits limits) {
        pool.backlogLimit(maxBacklog, reserved);
        router = new Router(RequestClasses.parse("host"), pool, directory, metrics, new ClassCounts(100),
                new RetryPolicy(Set.of("GET"), 2), limits, timer);
        queue = router.admission();
        directory.onJoin(queue::pump);
        return queue;
    }

    void join(String url) {
        directory.pulled(url, new Resume(url, "w", "1", 1, System.currentTimeMillis(), false, Map.of()));
    }

    /**
     * Request {@code name} of {@code user}: admitted at once ("now name"), or waiting (admitted later: "admit name"),
     * or refused ("429 name", "503 name").
     */
    void send(String name, String user, Priority priority) {
        AdmissionQueue.Ask ask = router.ask(RouterTest.get("site.example"), user, priority);
        Lease lease = queue.now(ask);
        if (lease != null) {
            leases.put(name, lease);
            events.add("now " + name);
            return;
        }
        AdmissionQueue.Entry entry = queue.enter(ask, guest(name));
        if (entry.refusal() != null) {
            events.add(entry.refusal().status() + " " + name);
        } else {
            tickets.put(name, entry.ticket());
        }
    }

    void send(String name, String user) {
        send(name, user, Priority.NORMAL);
    }

    AdmissionQueue.Guest guest(String name) {
        return new AdmissionQueue.Guest() {
            @Override
            public void admit(Lease lease) {
                leases.put(name, lease);
                events.add("admit " + name);
            }

            @Override
            public void turnAway() {
                events.add("away " + name);
            }
        };
    }

    /** Request {@code name} ends (its worker answered): its slot goes to the next in line, on this thread. */
    void end(String name) {
        leases.remove(name).success();
    }

    List<String> admittedAfter(int from) {
        synchronized (events) {
            return List.copyOf(events.subList(from, events.size()));
        }
    }

    @Test
    void aRequestGetsAWorkerAtOnceWhileOneHasRoomAndWaitsWhenNoneHas() {
        queue(2, 0, 100, 100, Duration.ofMinutes(1));
        join("http://w1");
        send("a1", "a");
        send("a2", "a");
        send("a3", "a");
        assertEquals(List.of("now a1", "now a2"), events);
        assertEquals(1, queue.waiting());
        assertEquals(2, pool.backlog());
        assertEquals(2, queue.inFlight("a"));
        end("a1");
        assertEquals(List.of("now a1", "now a2", "admit a3"), events, "the freed slot goes to the waiting request");
        assertEquals(0, queue.waiting());
        end("a2");
        end("a3");
        assertEquals(0, pool.backlog());
        assertEquals(0, queue.users(), "idle users are forgotten");
        assertEquals(2, queue.count("normal", "admitted"));
        assertEquals(1, queue.count("normal", "dequeued"));
    }

    @Test
    void aFreedSlotGoesToTheWaitingUserWithTheFewestRequestsInFlight() {
        queue(2, 0, 100, 100, Duration.ofMinutes(1));
        join("http://w1");
        send("h1", "heavy");
        send("h2", "heavy");
        send("h3", "heavy");
        send("h4", "heavy");
        send("h5", "heavy");
        send("a1", "a");
        send("b1", "b");
        int mark = events.size();
        end("h1"); // heavy 1 in flight, a and b none: a (waiting since before b)
        end("h2"); // heavy 0, a 1, b 0: heavy and b have as few; heavy has waited since before b
        end("a1"); // heavy 1, b 0: b
        end("h3");
        end("b1");
        end("h4");
        assertEquals(List.of("admit a1", "admit h3", "admit b1", "admit h4", "admit h5"), admittedAfter(mark));
    }

    @Test
    void usersWithAsManyInFlightTakeTurnsNotArrivalOrder() {
        queue(1, 0, 100, 100, Duration.ofMinutes(1));
        join("http://w1");
        send("x", "x");
        for (String name : List.of("u1a", "u1b", "u1c")) {
            send(name, "u1");
        }
        send("u2a", "u2");
        send("u2b", "u2");
        int mark = events.size();
        for (String name : List.of("x", "u1a", "u2a", "u1b", "u2b")) {
            end(name);
        }
        assertEquals(List.of("admit u1a", "admit u2a", "admit u1b", "admit u2b", "admit u1c"), admittedAfter(mark));
    }

    @Test
    void withoutAUserKeyEveryRequestIsOneUserServedInArrivalOrder() {
        queue(1, 0, 100, 0, Duration.ofMinutes(1));
        join("http://w1");
        send("x", "");
        for (String name : List.of("a", "b", "c", "d")) {
            send(name, "");
        }
        int mark = events.size();
        for (String name : List.of("x", "a", "b", "c")) {
            end(name);
        }
        assertEquals(List.of("admit a", "admit b", "admit c", "admit d"), admittedAfter(mark));
        assertFalse(events.stream().anyMatch(e -> e.startsWith("429")), "no per-user bound without a user key");
    }

    @Test
    void highPriorityRequestsGoFirstAndOnlyTheyTakeReservedSlots() {
        queue(2, 1, 100, 0, Duration.ofMinutes(1));
        join("http://w1");
        send("n1", "", Priority.NORMAL);
        send("n2", "", Priority.NORMAL);
        send("n3", "", Priority.NORMAL);
        assertEquals(List.of("now n1"), events, "normal requests may fill maxBacklog - reservedBacklog = 1");
        send("h1", "", Priority.HIGH);
        assertEquals(List.of("now n1", "now h1"), events, "a high request takes the reserved slot at once, past the waiting normal ones");
        send("h2", "", Priority.HIGH);
        assertEquals(1, queue.queued("high"));
        assertEquals(2, queue.queued("normal"));
        int mark = events.size();
        end("n1"); // the freed slot: h2 before n2, which waited longer
        end("h1"); // backlog 1 (h2): a normal request may not take the reserved slot
        assertEquals(List.of("admit h2"), admittedAfter(mark));
        end("h2");
        end("n2");
        assertEquals(List.of("admit h2", "admit n2", "admit n3"), admittedAfter(mark));
        assertEquals(1, queue.count("high", "admitted"));
        assertEquals(1, queue.count("high", "dequeued"));
        assertEquals(2, queue.count("normal", "dequeued"));
    }

    @Test
    void aFloodOfNormalRequestsNeverTakesTheReservedSlots() {
        queue(3, 1, 10_000, 0, Duration.ofMinutes(1));
        join("http://w1");
        join("http://w2");
        for (int i = 0; i < 500; i++) {
            send("n" + i, "", Priority.NORMAL);
        }
        assertEquals(4, pool.backlog(), "2 workers x (3 - 1)");
        for (int round = 0; round < 20; round++) {
            String normal = leases.keySet().stream().filter(n -> n.startsWith("n")).findFirst().orElseThrow();
            end(normal);
            assertEquals(4, pool.backlog(), "the freed slot went to the next normal request, and no further");
            send("h" + round, "", Priority.HIGH);
            assertTrue(events.contains("now h" + round), "the reserve was left for the high request of round " + round);
            end("h" + round);
        }
        assertEquals(500 - 4 - 20, queue.queued("normal"));
    }

    @Test
    void aUserWithMaxQueuedPerUserWaitingGets429AndAFullQueue503() {
        queue(1, 0, 3, 2, Duration.ofMinutes(1));
        join("http://w1");
        send("x", "x");
        send("h1", "heavy");
        send("h2", "heavy");
        send("h3", "heavy");
        send("a1", "a");
        send("b1", "b");
        assertEquals(List.of("now x", "429 h3", "503 b1"), events);
        assertEquals(3, queue.waiting());
        assertEquals(1, queue.count("normal", "too_many_queued"));
        assertEquals(1, queue.count("normal", "queue_full"));
        end("x");
        assertEquals("admit h1", events.get(events.size() - 1), "heavy and a have none in flight; heavy waited first");
        send("h4", "heavy");
        assertEquals(3, queue.waiting(), "h4 waits: heavy has one waiting now");
    }

    @Test
    void aZeroTimeoutOrAClosedQueueRefusesWaiting() {
        queue(1, 0, 100, 100, Duration.ZERO);
        join("http://w1");
        send("x", "x");
        send("y", "y");
        assertEquals(List.of("now x", "503 y"), events);
    }

    @Test
    void aRequestWaitingQueueTimeoutIsTurnedAwayOnceAndNeverAdmitted() throws Exception {
        queue(1, 0, 100, 100, Duration.ofMillis(50));
        join("http://w1");
        send("x", "x");
        CountDownLatch away = new CountDownLatch(1);
        AtomicInteger admitted = new AtomicInteger();
        AdmissionQueue.Entry entry = queue.enter(router.ask(RouterTest.get("s"), "y", Priority.NORMAL), new AdmissionQueue.Guest() {
            @Override
            public void admit(Lease lease) {
                admitted.incrementAndGet();
                lease.release();
            }

            @Override
            public void turnAway() {
                away.countDown();
            }
        });
        assertNotNull(entry.ticket());
        assertTrue(away.await(10, TimeUnit.SECONDS), "turned away");
        end("x");
        assertEquals(0, admitted.get());
        assertFalse(entry.ticket().cancel(), "it had ended already");
        assertEquals(0, queue.waiting());
        assertEquals(1, queue.count("normal", "timed_out"));
        assertEquals(0, queue.users());
    }

    @Test
    void aCancelledRequestLeavesWithoutACallbackAndFreesItsPlace() {
        queue(1, 0, 1, 100, Duration.ofMinutes(1));
        join("http://w1");
        send("x", "x");
        send("a", "a");
        send("b", "b");
        assertEquals(List.of("now x", "503 b"), events);
        assertTrue(tickets.get("a").cancel());
        assertFalse(tickets.get("a").cancel(), "once");
        send("c", "c");
        end("x");
        assertEquals(List.of("now x", "503 b", "admit c"), events);
        assertEquals(1, queue.count("normal", "cancelled"));
    }

    @Test
    void aJoiningWorkerAdmitsWaitingRequests() {
        queue(1, 0, 100, 100, Duration.ofMinutes(1));
        send("a", "a");
        send("b", "b");
        send("c", "c");
        assertEquals(List.of(), events, "no worker yet");
        join("http://w1");
        join("http://w2");
        assertEquals(List.of("admit a", "admit b"), events);
    }

    @Test
    void closingTurnsEveryWaitingRequestAway() {
        queue(1, 0, 100, 100, Duration.ofMinutes(1));
        join("http://w1");
        send("x", "x");
        send("a", "a");
        send("b", "b");
        queue.close();
        assertEquals(List.of("now x", "away a", "away b"), events);
        send("c", "c");
        assertEquals("503 c", events.get(events.size() - 1));
        end("x");
        assertEquals(0, queue.users());
    }

    @Test
    void aRetryTakesAFreeSlotWithoutQueueingAndCountsAsTheSameRequest() {
        queue(1, 0, 100, 100, Duration.ofMinutes(1));
        join("http://w1");
        join("http://w2");
        join("http://w3");
        send("a", "a");
        send("b", "b");
        Lease failed = leases.remove("a");
        Lease retried = router.retry(failed, Failure.CONNECTION, "reset", "GET", false, false);
        assertNotNull(retried, "w3 had room");
        assertEquals(1, queue.inFlight("a"), "the retry's lease is the request's one in flight");
        send("c", "c");
        assertEquals(1, queue.waiting(), "w1 ejected, w2 and w3 busy");
        Lease again = router.retry(retried, Failure.CONNECTION, "reset", "GET", false, false);
        assertNull(again, "no worker with room: the retry does not queue, the request fails");
        assertEquals(List.of("now a", "now b"), events, "c still waits: its slot went with the ejected worker");
        assertEquals(0, queue.inFlight("a"));
        end("b");
        assertTrue(events.contains("admit c"));
    }

    @Test
    void admissionsTimeoutsCancelsAndEndsRacingEndEveryRequestOnceAndLeakNoSlot() throws Exception {
        queue(2, 1, 200, 10, Duration.ofMillis(20));
        for (int i = 1; i <= 4; i++) {
            join("http://w" + i);
        }
        int threads = 6;
        int perThread = 3_000;
        ConcurrentLinkedQueue<Lease> toEnd = new ConcurrentLinkedQueue<>();
        List<AtomicInteger> ends = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger refused = new AtomicInteger();
        together(threads, 7, random -> {
            for (int i = 0; i < perThread; i++) {
                Priority p = random.nextInt(5) == 0 ? Priority.HIGH : Priority.NORMAL;
                AdmissionQueue.Ask ask = router.ask(RouterTest.get("c" + random.nextInt(30)), "u" + random.nextInt(20), p);
                Lease now = queue.now(ask);
                if (now != null) {
                    toEnd.add(now);
                } else {
                    AtomicInteger mine = new AtomicInteger();
                    ends.add(mine);
                    AdmissionQueue.Entry entry = queue.enter(ask, new AdmissionQueue.Guest() {
                        @Override
                        public void admit(Lease lease) {
                            mine.incrementAndGet();
                            toEnd.add(lease);
                        }

                        @Override
                        public void turnAway() {
                            mine.incrementAndGet();
                        }
                    });
                    if (entry.refusal() != null) {
                        mine.incrementAndGet();
                        refused.incrementAndGet();
                    } else if (random.nextInt(10) == 0 && entry.ticket().cancel()) {
                        mine.incrementAndGet();
                    }
                }
                for (int k = random.nextInt(2); k > 0; k--) { // fewer ends than requests: the queue fills up to its bounds
                    Lease l = toEnd.poll();
                    if (l != null) {
                        switch (random.nextInt(4)) {
                            case 0 -> l.release();
                            case 1 -> l.failed(Failure.TIMEOUT, "t");
                            default -> l.success();
                        }
                    }
                }
            }
        });
        long deadline = System.currentTimeMillis() + 20_000;
        while ((queue.waiting() > 0 || !toEnd.isEmpty()) && System.currentTimeMillis() < deadline) {
            Lease l = toEnd.poll();
            if (l != null) {
                l.success();
            } else {
                Thread.sleep(5); // the last waiting requests time out (20 ms)
            }
        }
        Lease l;
        while ((l = toEnd.poll()) != null) {
            l.success();
        }
        // A request that timed out leaves the queue under its lock, and the timer thread turns it away just after: the
        // queue may be empty while the last turnAway() calls are still to come. Wait (bounded) for every end.
        Await.until("every waiting request ended", Duration.ofSeconds(10), () -> {
            synchronized (ends) {
                return ends.stream().allMatch(e -> e.get() >= 1);
            }
        });
        synchronized (ends) {
            for (AtomicInteger e : ends) {
                assertEquals(1, e.get(), "every waiting request ended exactly once");
            }
        }
        assertEquals(0, queue.waiting());
        assertEquals(0, pool.backlog(), "no slot leaked");
        assertEquals(0, router.inFlight());
        assertEquals(0, queue.users(), "no user left behind");
        long dequeued = queue.count("normal", "dequeued") + queue.count("high", "dequeued");
        long timedOut = queue.count("normal", "timed_out") + queue.count("high", "timed_out");
        long cancelled = queue.count("normal", "cancelled") + queue.count("high", "cancelled");
        System.out.printf("admission storm: %d waited: %d dequeued, %d timed out, %d refused, %d cancelled%n", ends.size(), dequeued,
                timedOut, refused.get(), cancelled);
        assertEquals(ends.size(), dequeued + timedOut + cancelled + refused.get(), "the counts add up");
        assertTrue(dequeued > 0 && refused.get() + timedOut > 0, "the storm reached both the queue and its bounds: " + dequeued
                + " dequeued, " + timedOut + " timed out, " + refused.get() + " refused, " + cancelled + " cancelled");
    }

    /** A queue with {@code userReserve} (and the usual bounds: 100 waiting, 100 per user, a minute). */
    AdmissionQueue queueWithUserReserve(int maxBacklog, int userReserve) {
        return queue(maxBacklog, 0, new AdmissionQueue.Limits(100, 100, Duration.ofMinutes(1), userReserve));
    }

    @Test
    void aBackloggedUserAtItsFairShareLeavesTheUserReserveFreeForOthers() {
        queueWithUserReserve(2, 1); // 2 workers x 2: 4 slots
        join("http://w1");
        join("http://w2");
        for (int i = 1; i <= 8; i++) {
            send("h" + i, "heavy");
        }
        assertEquals(List.of("now h1", "now h2", "now h3", "now h4"), events, "not backlogged yet: every slot");
        end("h1"); // heavy alone: 3 in flight x (1 user + 1 to come) >= 4, and 4 waiting: held back
        assertEquals(3, pool.backlog(), "a backlogged user at its share leaves userReserve = 1 of the 4 slots free");
        send("a1", "a");
        assertEquals("admit a1", events.get(events.size() - 1), "a user who comes takes the free slot at once");
        send("b1", "b");
        assertEquals(4, pool.backlog());
        int mark = events.size();
        end("h2"); // b (0 in flight) first
        end("a1"); // heavy 2 in flight x (2 users + 1) >= 4: held back, the freed slot stays free
        assertEquals(List.of("admit b1"), admittedAfter(mark));
        assertEquals(3, pool.backlog());
        send("c1", "c");
        end("b1"); // heavy and c known: heavy still held back
        assertEquals(List.of("admit b1", "admit c1"), admittedAfter(mark));
        assertEquals(3, pool.backlog(), "h3, h4, c1");
        end("c1"); // heavy alone: 2 free, more than the reserve: h5; then 1 free, held back again
        assertEquals(List.of("admit b1", "admit c1", "admit h5"), admittedAfter(mark));
        end("h3");
        end("h4"); // h7 leaves h8 alone waiting: no longer backlogged, h8 takes the last slot
        assertEquals(List.of("admit b1", "admit c1", "admit h5", "admit h6", "admit h7", "admit h8"), admittedAfter(mark),
                "starvation-free: the heavy user gets every slot but the reserve, and the last one when its requests stop piling up");
        assertEquals(4, pool.backlog());
    }

    @Test
    void withoutAUserReserveTheHeavyUserTakesEverySlotAndALightOneWaitsForTheNextToFree() {
        queueWithUserReserve(2, 0);
        join("http://w1");
        join("http://w2");
        for (int i = 1; i <= 8; i++) {
            send("h" + i, "heavy");
        }
        end("h1");
        assertEquals(List.of("now h1", "now h2", "now h3", "now h4", "admit h5"), events, "every freed slot to the heavy user");
        send("a1", "a");
        assertEquals(5, events.size(), "a1 waits");
        end("h2");
        assertEquals("admit a1", events.get(events.size() - 1));
    }

    @Test
    void aUserWhoseRequestsDoNotPileUpIsNeverHeldBack() {
        queueWithUserReserve(4, 2); // 1 worker: 4 slots
        join("http://w1");
        send("a1", "a");
        for (int i = 1; i <= 6; i++) {
            send("h" + i, "heavy");
        }
        assertEquals(List.of("now a1", "now h1", "now h2", "now h3"), events);
        int mark = events.size();
        end("h1"); // heavy: 2 in flight x (2 users + 1) >= 4, 2 more waiting: held back; 1 free <= 2
        assertEquals(List.of(), admittedAfter(mark));
        send("a2", "a"); // a: 1 in flight and this one request: not held back, takes a reserved slot
        assertEquals(List.of("admit a2"), admittedAfter(mark));
        end("a1");
        end("a2"); // a forgotten: heavy alone, 2 x 2 >= 4, held back: 2 free <= 2
        assertEquals(List.of("admit a2"), admittedAfter(mark));
        assertEquals(2, pool.backlog(), "userReserve = 2 slots idle while the lone user is held back");
        end("h2"); // heavy: 1 x 2 < 4, below its share: h4; then 2 in flight, held back again
        assertEquals(List.of("admit a2", "admit h4"), admittedAfter(mark));
        end("h3"); // h5, then h6 is its last waiting request: not held back
        assertEquals(List.of("admit a2", "admit h4", "admit h5", "admit h6"), admittedAfter(mark));
    }

    @Test
    void aHeldBackUserKeepsNeitherTheNextInOrderNorALowerClassFromAFreeSlot() {
        queueWithUserReserve(3, 1); // 1 worker: 3 slots
        join("http://w1");
        send("h1", "heavy", Priority.HIGH);
        send("l1", "light", Priority.HIGH);
        send("x1", "x", Priority.HIGH);
        send("h2", "heavy", Priority.HIGH);
        send("h3", "heavy", Priority.HIGH);
        send("l2", "light", Priority.HIGH);
        send("n1", "normal", Priority.NORMAL);
        assertEquals(List.of("now h1", "now l1", "now x1"), events);
        int mark = events.size();
        end("x1"); // heavy and light 1 in flight each, heavy's turn first; heavy backlogged, 1 x (3 users + 1) >= 3: held back
        assertEquals(List.of("admit l2"), admittedAfter(mark), "the next in the order, not held back, takes the slot");
        end("l1"); // light 1 in flight, heavy held back (1 x 3 >= 3): the normal user below its share
        assertEquals(List.of("admit l2", "admit n1"), admittedAfter(mark));
        end("h1"); // heavy 0 in flight: h2; then 1 in flight, its last waiting request: h3 would need a slot, none free
        assertEquals(List.of("admit l2", "admit n1", "admit h2"), admittedAfter(mark));
        end("l2");
        assertEquals(List.of("admit l2", "admit n1", "admit h2", "admit h3"), admittedAfter(mark));
    }

    @Test
    void underContentionABackloggedLoneUserNeverTakesTheUserReserveAndEveryRequestEndsOnce() throws Exception {
        queue(3, 0, new AdmissionQueue.Limits(20_000, 20_000, Duration.ofMinutes(1), 2)); // 2 workers x 3: 6 slots, 2 kept
        int threads = 4;
        int perThread = 2_000;
        int backlog = 200;
        ConcurrentLinkedQueue<Lease> toEnd = new ConcurrentLinkedQueue<>();
        AtomicInteger admitted = new AtomicInteger();
        AtomicInteger maxBacklog = new AtomicInteger();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        AdmissionQueue.Guest guest = new AdmissionQueue.Guest() {
            @Override
            public void admit(Lease lease) {
                admitted.incrementAndGet();
                toEnd.add(lease);
            }

            @Override
            public void turnAway() {
                failures.add(new AssertionError("turned away"));
            }
        };
        for (int i = 0; i < backlog; i++) { // no worker yet: all wait, so the user stays backlogged throughout
            assertNull(queue.enter(router.ask(RouterTest.get("c" + i % 10), "only", Priority.NORMAL), guest).refusal());
        }
        join("http://w1");
        join("http://w2");
        together(threads, 31, random -> {
            for (int i = 0; i < perThread; i++) {
                Lease l = toEnd.poll();
                if (l != null) {
                    l.success(); // admits the next waiting request, on this thread
                }
                maxBacklog.accumulateAndGet(pool.backlog(), Math::max);
                AdmissionQueue.Ask ask = router.ask(RouterTest.get("c" + random.nextInt(10)), "only", Priority.NORMAL);
                Lease now = queue.now(ask);
                if (now != null) {
                    failures.add(new AssertionError("admitted past waiting requests"));
                    now.release();
                } else {
                    assertNull(queue.enter(ask, guest).refusal());
                }
                maxBacklog.accumulateAndGet(pool.backlog(), Math::max);
            }
        });
        assertEquals(List.of(), List.copyOf(failures));
        assertEquals(4, maxBacklog.get(), "backlogged alone, the user filled the 6 slots but the reserve of 2, never more");
        long deadline = System.currentTimeMillis() + 20_000;
        while (admitted.get() < backlog + threads * perThread && System.currentTimeMillis() < deadline) {
            Lease l = toEnd.poll();
            if (l != null) {
                l.success();
            } else {
                Thread.onSpinWait();
            }
        }
        Lease l;
        while ((l = toEnd.poll()) != null) {
            l.success();
        }
        assertEquals(backlog + threads * perThread, admitted.get(), "every request admitted once: the reserve starves nobody");
        assertEquals(0, queue.waiting());
        assertEquals(0, pool.backlog(), "no slot leaked");
        assertEquals(0, queue.users());
    }


    /** What each thread of {@link #together} runs, with its own random numbers. */
    interface ThreadBody {
        void run(SplittableRandom random) throws Exception;
    }

    /**
     * Runs {@code body} on {@code threads} threads started together (thread t seeded
     * {@code seed + t}), waits for them, bounded, and fails on the first thing any of them threw.
     */
    static void together(int threads, long seed, ThreadBody body) throws InterruptedException {
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> running = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            SplittableRandom random = new SplittableRandom(seed + t);
            Thread thread = new Thread(() -> {
                try {
                    go.await();
                    body.run(random);
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            running.add(thread);
            thread.start();
        }
        go.countDown();
        for (Thread thread : running) {
            thread.join(60_000);
            assertFalse(thread.isAlive(), "bounded");
        }
        assertEquals(List.of(), List.copyOf(failures));
    }
}
