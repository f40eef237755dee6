package org.resumelb.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.http.HttpHeader;
import org.junit.jupiter.api.Test;

/**
 * Admission with real processes: one newsroom worker JVM whose capacity is
 * bounded ({@code newsroom.cores=2}, {@code newsroom.cpuMicros}: each request
 * holds a core for a fixed time), behind the real proxy WAR with
 * {@code maxBacklog=2}, so that requests wait at the proxy. What is asserted
 * is who got served and in what order relative to whom (counted from the
 * order the answers came back), never how fast.
 */
class FairQueueIT {

    /** Each request holds one of the worker's 2 cores this long: 2 at a time, about 13 a second. */
    static final String[] SLOW_WORKER = {"-Dnewsroom.cores=2", "-Dnewsroom.cpuMicros=150000"};

    /** One request's answer, in the order answers came back. */
    record Answer(String user, String kind, int status, String retryAfter) {
    }

    final List<Answer> answers = Collections.synchronizedList(new ArrayList<>());

    CompletableFuture<ContentResponse> send(Fleet fleet, ProxyNode proxy, String path, String user, String kind, Map<String, String> headers) {
        CompletableFuture<ContentResponse> f = new CompletableResponseListener(fleet.client.newRequest(proxy.url() + path)
                .headers(h -> {
                    h.put(HttpHeader.HOST, "site-1.news").put("X-User", user);
                    headers.forEach(h::put);
                })
                .timeout(30, TimeUnit.SECONDS)).send();
        return f.whenComplete((r, e) -> answers.add(new Answer(user, kind, r == null ? -1 : r.getStatus(),
                r == null ? null : r.getHeaders().get("Retry-After"))));
    }

    /**
     * Waits (bounded) until {@code sent} requests in all have reached the proxy's admission (so that none of
     * them is still on its way when the next ones are sent) and at least {@code queued} normal ones wait.
     */
    static void awaitArrived(ProxyNode proxy, long sent, int queued) {
        long deadline = System.currentTimeMillis() + 10_000;
        ProxyStatus status;
        while ((status = ProxyStatus.read(proxy.url())).reachedAdmission() < sent || status.queued("normal") < queued) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("at " + proxy.url() + ", " + status.reachedAdmission() + " requests reached admission of "
                        + sent + " sent, " + status.queued("normal") + " wait, expected at least " + queued);
            }
            It.sleep(5);
        }
    }

    static void awaitAll(List<CompletableFuture<ContentResponse>> all) throws Exception {
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).handle((v, e) -> null).get(60, TimeUnit.SECONDS);
    }

    /** Of the answers of kind {@code kind} with {@code status}, those after the last one of {@code after}. */
    long answeredAfterLast(String after, String kind, int status) {
        synchronized (answers) {
            int last = -1;
            for (int i = 0; i < answers.size(); i++) {
                if (answers.get(i).kind().equals(after)) {
                    last = i;
                }
            }
            return answers.subList(last + 1, answers.size()).stream().filter(a -> a.kind().equals(kind) && a.status() == status).count();
        }
    }

    long count(String kind, int status) {
        synchronized (answers) {
            return answers.stream().filter(a -> a.kind().equals(kind) && a.status() == status).count();
        }
    }

    /**
     * A heavy user sends 60 requests at once, then 5 light users one each while its backlog waits. Through a
     * proxy with {@code userKey}, the heavy user's excess over {@code maxQueuedPerUser=30} gets 429 and the light
     * users are served before most of its waiting requests; through one without (first come, first served), the
     * same light requests wait behind the whole backlog.
     */
    @Test
    void aHeavyUserOverItsShareGets429sAndLightUsersAreServedAheadOfItsBacklog() throws Exception {
        try (Fleet fleet = new Fleet("w", 128)) {
            ProxyNode fair = fleet.addProxy(0, Map.of("maxBacklog", "2", "userKey", "header:X-User", "maxQueuedPerUser", "30",
                    "queueTimeout", "30s"));
            ProxyNode fifo = fleet.addProxy(0, Map.of("maxBacklog", "2", "queueTimeout", "30s"));
            fleet.addWorker(SLOW_WORKER);
            fleet.awaitWorkers();

            long heavyAfterLightFair = run(fleet, fair);
            assertEquals(5, count("light", 200), "every light user served: " + answers);
            assertEquals(0, count("light", 429));
            long refused = count("heavy", 429);
            assertTrue(refused > 0, "the heavy user's excess over maxQueuedPerUser got 429: " + answers);
            assertEquals(60, count("heavy", 200) + refused, "the rest of it was served: " + answers);
            assertTrue(answers.stream().filter(a -> a.status() == 429).allMatch(a -> "5".equals(a.retryAfter())), "429 says Retry-After");
            assertTrue(heavyAfterLightFair >= 10,
                    "the light users went ahead of the heavy user's backlog (>= 20 waiting when they came): only "
                            + heavyAfterLightFair + " heavy requests were served after the last light one");
            assertEquals(refused, ProxyStatus.read(fair.url()).admissions("normal", "too_many_queued"));

            answers.clear();
            long heavyAfterLightFifo = run(fleet, fifo);
            assertEquals(65, count("heavy", 200) + count("light", 200), "no per-user bound without userKey: " + answers);
            assertTrue(heavyAfterLightFifo <= 2, "without userKey the light users waited behind the backlog: "
                    + heavyAfterLightFifo + " heavy requests served after the last light one");
            System.out.printf("FairQueueIT: heavy requests served after the last light one: %d with userKey (%d got 429),"
                    + " %d first come, first served%n", heavyAfterLightFair, refused, heavyAfterLightFifo);
            assertEquals(0, fair.settledBacklog());
            assertEquals(0, fifo.settledBacklog());
        }
    }

    /**
     * The heavy burst, then, once all of it reached the proxy and at least 20 of it wait, the light users; returns the
     * heavy requests answered 200 after the last light one.
     */
    private long run(Fleet fleet, ProxyNode proxy) throws Exception {
        List<CompletableFuture<ContentResponse>> all = new ArrayList<>();
        long before = ProxyStatus.read(proxy.url()).reachedAdmission();
        for (int i = 0; i < 60; i++) {
            all.add(send(fleet, proxy, "/article?h=" + i, "heavy", "heavy", Map.of()));
        }
        awaitArrived(proxy, before + 60, 20);
        for (int u = 1; u <= 5; u++) {
            all.add(send(fleet, proxy, "/article?l=" + u, "light-" + u, "light", Map.of()));
        }
        awaitAll(all);
        return answeredAfterLast("light", "heavy", 200);
    }

    /**
     * 30 low-priority requests flood a proxy with {@code reservedBacklog=1} (so they may use 1 of the worker's 2
     * slots); 5 high-priority ones arrive while at least 20 low ones wait. Every high one is served, before most
     * of the low ones that were waiting.
     */
    @Test
    void highPriorityRequestsAreServedAheadOfAQueuedLowPriorityFlood() throws Exception {
        try (Fleet fleet = new Fleet("w", 128)) {
            ProxyNode proxy = fleet.addProxy(0, Map.of("maxBacklog", "2", "reservedBacklog", "1", "priority", "header:X-Priority",
                    "queueTimeout", "30s"));
            fleet.addWorker(SLOW_WORKER);
            fleet.awaitWorkers();
            List<CompletableFuture<ContentResponse>> all = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                all.add(send(fleet, proxy, "/article?low=" + i, "batch", "low", Map.of()));
            }
            awaitArrived(proxy, 30, 20);
            for (int i = 0; i < 5; i++) {
                all.add(send(fleet, proxy, "/article?high=" + i, "checkout", "high", Map.of("X-Priority", "high")));
            }
            awaitAll(all);
            assertEquals(5, count("high", 200), "every high-priority request served: " + answers);
            assertEquals(30, count("low", 200), "and the flood too, later: " + answers);
            long lowAfterHigh = answeredAfterLast("high", "low", 200);
            System.out.printf("FairQueueIT: low-priority requests served after the last high-priority one: %d of 30%n", lowAfterHigh);
            assertTrue(lowAfterHigh >= 10, "high-priority requests went ahead of the waiting flood (>= 20 waiting when they came): only "
                    + lowAfterHigh + " low ones served after the last high one");
            ProxyStatus status = ProxyStatus.read(proxy.url());
            assertEquals(5, status.admissions("high", "admitted") + status.admissions("high", "dequeued"));
            assertEquals(0, proxy.settledBacklog());
        }
    }

    /**
     * {@code userReserve=1} on 4 slots (one worker, {@code maxBacklog=4}): a lone heavy user that has sent 40
     * requests at once is backlogged at its fair share, so it holds at most 3 of the 4 slots while 10 or more of
     * its requests wait, and the fourth stays free; light users who come meanwhile are all served, and so is
     * every heavy request (nobody starves). Through a proxy without the reserve, the same backlog holds all 4.
     * What is asserted is the proxy's own count of requests in flight, read with the waiting count in one status.
     */
    @Test
    void aBackloggedUserLeavesTheUserReserveFreeAndLightUsersTakeIt() throws Exception {
        try (Fleet fleet = new Fleet("w", 128)) {
            Map<String, String> fair = Map.of("maxBacklog", "4", "userKey", "header:X-User", "maxQueuedPerUser", "100",
                    "queueTimeout", "30s");
            Map<String, String> withUserReserve = new HashMap<>(fair);
            withUserReserve.put("userReserve", "1");
            ProxyNode reserve = fleet.addProxy(0, withUserReserve);
            ProxyNode none = fleet.addProxy(0, fair);
            fleet.addWorker("-Dnewsroom.cores=4", "-Dnewsroom.cpuMicros=150000");
            fleet.awaitWorkers();

            int[] withReserve = backlogWhileBacklogged(fleet, reserve);
            assertEquals(45, count("heavy", 200) + count("light", 200), "every request served, heavy ones too: " + answers);
            assertTrue(withReserve[1] >= 5, "sampled while the heavy user was backlogged: " + withReserve[1] + " readings");
            assertEquals(3, withReserve[0], "at most 4 slots less userReserve, and all of those, while 10 or more heavy requests waited");

            answers.clear();
            int[] without = backlogWhileBacklogged(fleet, none);
            assertEquals(45, count("heavy", 200) + count("light", 200), "every request served: " + answers);
            assertEquals(4, without[0], "without a reserve the backlogged user holds every slot");
            System.out.printf("FairQueueIT: a lone backlogged user held at most %d of 4 slots with userReserve=1 (%d readings),"
                    + " %d without (%d readings)%n", withReserve[0], withReserve[1], without[0], without[1]);
            assertEquals(0, reserve.settledBacklog());
            assertEquals(0, none.settledBacklog());
        }
    }

    /**
     * A heavy user sends 40 requests at once; once 5 are answered, while 10 or more of them wait, reads the proxy's requests in flight
     * (at least 5 readings, 3 s at most) and sends one request each of 5 light users; waits for every answer.
     * Returns {the most requests in flight read while 10 or more waited, the number of such readings}.
     */
    private int[] backlogWhileBacklogged(Fleet fleet, ProxyNode proxy) throws Exception {
        List<CompletableFuture<ContentResponse>> all = new ArrayList<>();
        long before = ProxyStatus.read(proxy.url()).reachedAdmission();
        for (int i = 0; i < 40; i++) {
            all.add(send(fleet, proxy, "/article?h=" + i, "heavy", "heavy", Map.of()));
        }
        awaitArrived(proxy, before + 40, 10);
        // The first 4 took every slot as they came (not backlogged yet); a fifth answer means one of them was released,
        // and from then on the backlogged user is held back.
        long answered = System.currentTimeMillis() + 10_000;
        while (count("heavy", 200) < 5) {
            if (System.currentTimeMillis() > answered) {
                throw new AssertionError("5 heavy requests not answered in 10 s: " + answers);
            }
            It.sleep(5);
        }
        int most = 0;
        int readings = 0;
        long deadline = System.currentTimeMillis() + 3_000;
        while (System.currentTimeMillis() < deadline && (readings < 5 || most == 0)) {
            ProxyStatus status = ProxyStatus.read(proxy.url());
            if (status.queued("normal") < 10) {
                break;
            }
            most = Math.max(most, status.backlog());
            readings++;
            It.sleep(20);
        }
        for (int u = 1; u <= 5; u++) {
            all.add(send(fleet, proxy, "/article?l=" + u, "light-" + u, "light", Map.of()));
        }
        awaitAll(all);
        return new int[] {most, readings};
    }

}
