package org.resumelb.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.http.HttpHeader;
import org.junit.jupiter.api.Test;

/**
 * Workers' weights, end to end: real worker JVMs (the newsroom WAR) announce
 * {@code weight} in their résumés (the filter setting, here a system property)
 * and two real proxies route by it.
 *
 * <ul>
 *   <li>{@code round-robin}: workers of weight 1 and 3 get 25 % and 75 % of
 *       10,000 GETs (± 3 points), as the proxy counts them.</li>
 *   <li>{@code resume}: the light worker (weight 1) knows 200 classes that the
 *       others (weights 1 and 3) do not, and is kept too busy by two slow
 *       requests; each of those classes asked for then overflows to one of the
 *       others, the first in the class's weighted rendezvous order: the worker
 *       of weight 3 for about three classes in four (at least 60 %; without
 *       weights it would be one in two).</li>
 * </ul>
 */
class WeightsIT {

    static final int GETS = 10_000;
    static final int CLASSES = 200;

    @Test
    void roundRobinSharesAndTheResumePolicysOverflowFollowTheWeights() throws Exception {
        try (Fleet fleet = new Fleet("weight-w", 64)) {
            // Workers push to the proxies started before them: the third worker only to the résumé proxy.
            ProxyNode resume = fleet.addProxy(0, Map.of("policy", "resume"));
            WorkerProcess light2 = fleet.addWorker("-Dresumelb.weight=1");
            ProxyNode roundRobin = fleet.addProxy(0, Map.of("policy", "round-robin"));
            // Weight 1, the default; it keeps every class it learns (below) for the whole test.
            WorkerProcess light = fleet.addWorker("-Dresumelb.maxSkillAge=1000000");
            WorkerProcess heavy = fleet.addWorker("-Dresumelb.weight=3");
            ProxyStatus.awaitWorkers(roundRobin.url(), Set.of(light.url(), heavy.url()), Fleet.JOIN_MILLIS);
            ProxyStatus.awaitWorkers(resume.url(), Set.of(light.url(), heavy.url(), light2.url()), Fleet.JOIN_MILLIS);
            assertEquals(Map.of(light.url(), 1.0, heavy.url(), 3.0), ProxyStatus.read(roundRobin.url()).perWorker("weight"),
                    "weights on the status page");
            assertEquals(Map.of(light.url(), 1.0, heavy.url(), 3.0, light2.url(), 1.0), ProxyStatus.read(resume.url()).perWorker("weight"));

            // Round-robin: 10,000 GETs from 8 client threads (about 25 s on a busy 2-core machine; bounded at 120 s).
            long t0 = System.nanoTime();
            Fleet.Load load = fleet.load(roundRobin, 8, 120_000, GETS / 8, (thread, i) -> "site-" + (i % 20) + ".rr").finish();
            assertEquals(GETS, load.requests(), "all sent within the time bound: " + load.summary());
            assertEquals(0, load.errors(), load.summary());
            Map<String, Double> served = ProxyStatus.read(roundRobin.url()).perWorker("requests");
            double total = served.values().stream().mapToDouble(Double::doubleValue).sum();
            double lightShare = served.get(light.url()) / total;
            double heavyShare = served.get(heavy.url()) / total;
            System.out.printf("round-robin, weights 1 and 3: %s requests (%.2f %% / %.2f %%); %s in %d ms%n", served, 100 * lightShare,
                    100 * heavyShare, load.summary(), (System.nanoTime() - t0) / 1_000_000);
            assertEquals(GETS, total, 0.0, "the proxy counted every request");
            assertEquals(0.25, lightShare, 0.03, "weight 1 of 4: " + served);
            assertEquals(0.75, heavyShare, 0.03, "weight 3 of 4: " + served);

            // Résumé policy, with the third worker (weight 1).
            // The light worker learns the classes (and "hold") from requests sent to it directly; the others never see them.
            List<String> classes = new ArrayList<>();
            for (int i = 0; i < CLASSES; i++) {
                classes.add("c" + i + ".hot");
            }
            for (String c : concat(classes, "hold.hot")) {
                ContentResponse r = fleet.client.newRequest(light.url() + "/article").headers(h -> h.put(HttpHeader.HOST, c))
                        .timeout(Fleet.REQUEST_SECONDS, TimeUnit.SECONDS).send();
                assertEquals(200, r.getStatus());
            }
            awaitResume(resume, light.url(), concat(classes, "hold.hot"));
            // Two slow requests of "hold" take the light worker (the only one that knows it) above the others:
            // too busy for the classes only it knows, unless it is the least recently used worker.
            List<CompletableFuture<ContentResponse>> holds = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                holds.add(new CompletableResponseListener(fleet.request(resume.url(), "/write?delay=10000", "hold.hot")
                        .method("POST").body(new StringRequestContent("x")).timeout(30, TimeUnit.SECONDS)).send());
                awaitBacklog(resume, light.url(), i + 1);
            }
            long start = System.nanoTime();
            Map<String, String> servedBy = new TreeMap<>();
            for (String c : classes) {
                if (System.nanoTime() - start > TimeUnit.SECONDS.toNanos(8)) {
                    break; // the holds end after 10 s
                }
                ContentResponse r = fleet.get(resume, c);
                assertEquals(200, r.getStatus(), c);
                servedBy.put(c, r.getHeaders().get("X-Worker"));
            }
            Map<String, Integer> overflows = new TreeMap<>();
            servedBy.values().stream().filter(w -> !w.equals(light.name)).forEach(w -> overflows.merge(w, 1, Integer::sum));
            int overflowed = overflows.values().stream().mapToInt(Integer::intValue).sum();
            int toHeavy = overflows.getOrDefault(heavy.name, 0);
            System.out.printf("resume, weights 1 (knows the classes, busy), 1 and 3: %d classes asked for, %d overflowed: %s"
                    + " (%.1f %% to weight 3), in %d ms%n", servedBy.size(), overflowed, overflows, 100.0 * toHeavy / overflowed,
                    (System.nanoTime() - start) / 1_000_000);
            for (CompletableFuture<ContentResponse> hold : holds) {
                assertEquals(200, hold.get(30, TimeUnit.SECONDS).getStatus());
            }
            assertTrue(servedBy.size() >= CLASSES / 2, "classes asked for while the light worker was held: " + servedBy.size());
            assertTrue(overflowed >= servedBy.size() / 3, "a third of the classes or more overflowed (the others came when the light worker was the least recently used): "
                    + overflows + " of " + servedBy.size());
            assertEquals(Set.of(heavy.name, light2.name), overflows.keySet(), "overflows went to both others: " + overflows);
            assertTrue(toHeavy >= 0.6 * overflowed, "the worker of weight 3 comes first for about 3 in 4 overflowing classes: "
                    + overflows);
            // The worker that took each overflowing class first learnt it: the proxy lists it skilled there.
            Map<String, Map<String, Double>> resumes = ProxyStatus.withResumes(resume.url()).resumes();
            servedBy.forEach((c, w) -> {
                if (w.equals(heavy.name)) {
                    assertTrue(resumes.get(heavy.url()).containsKey(c), c + " is now in the heavy worker's résumé");
                }
            });
        }
    }

    static List<String> concat(List<String> list, String one) {
        List<String> all = new ArrayList<>(list);
        all.add(one);
        return all;
    }

    /** Waits (bounded) until the proxy holds all these classes in the worker's résumé. */
    static void awaitResume(ProxyNode proxy, String worker, List<String> classes) {
        long deadline = System.currentTimeMillis() + 30_000;
        while (true) {
            Map<String, Double> skills = ProxyStatus.withResumes(proxy.url()).resumes().getOrDefault(worker, Map.of());
            if (skills.keySet().containsAll(classes)) {
                return;
            }
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError(worker + "'s résumé in " + proxy.url() + " lacks some of " + classes.size() + " classes: has "
                        + skills.size());
            }
            It.sleep(50);
        }
    }

    /** Waits (bounded) until the worker has this many requests in flight through the proxy. */
    static void awaitBacklog(ProxyNode proxy, String worker, int backlog) {
        long deadline = System.currentTimeMillis() + 10_000;
        Map<String, Double> backlogs;
        while ((backlogs = ProxyStatus.read(proxy.url()).perWorker("backlog")).get(worker) != backlog) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("backlogs " + backlogs + ", expected " + backlog + " on " + worker);
            }
            It.sleep(10);
        }
    }
}
