package org.resumelb.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The load balancer keeps no state of its own: restarted, it relearns every
 * worker's skills from their heartbeats, and a second load balancer fed by the
 * same workers routes each class to the same worker.
 */
class LbRestartIT {

    static final int SITES = 12;
    Fleet fleet;

    @BeforeEach
    void start() throws Exception {
        fleet = new Fleet();
    }

    @AfterEach
    void stop() throws Exception {
        if (fleet != null) {
            fleet.close();
        }
    }

    String workerFor(ProxyNode proxy, String site) throws Exception {
        var r = fleet.get(proxy, site);
        assertEquals(200, r.getStatus(), r.getContentAsString());
        return r.getHeaders().get("X-Worker");
    }

    /** Sequential rounds over the sites; returns the worker of each site in the last round. */
    Map<String, String> warm(ProxyNode proxy, int rounds) throws Exception {
        Map<String, String> last = new TreeMap<>();
        for (int round = 0; round < rounds; round++) {
            for (int s = 0; s < SITES; s++) {
                last.put("site-" + s + ".news", workerFor(proxy, "site-" + s + ".news"));
            }
        }
        return last;
    }

    void addWorkers(int n) throws Exception {
        for (int i = 0; i < n; i++) {
            // While the proxy is down a worker's pushes fail and it backs off (1 s, 2 s, 4 s…); capped at one
            // heartbeat, its next push after the restart is at most about a heartbeat away, as the test asserts.
            fleet.addWorker("-Dresumelb.maxBackoff=1s");
        }
        fleet.awaitWorkers();
    }

    @Test
    void aRestartedLoadBalancerRelearnsSkillsWithinAHeartbeatAndRoutesAsBefore() throws Exception {
        ProxyNode proxy = fleet.addProxy(0);
        int port = proxy.port();
        addWorkers(3);
        Map<String, String> before = warm(proxy, 15);
        It.sleep(1_500); // résumés with every site reach the proxy
        Map<String, Map<String, Double>> skillsBefore = proxy.skills();

        fleet.stopProxy(proxy);
        long restartedAt = System.nanoTime();
        // Without slow start: a worker that owns no site (its résumé empty) and rejoins after the others would
        // otherwise be offered sites it ranks second for, and "routes as before" would depend on the order of rejoining.
        ProxyNode restarted = fleet.addProxy(port, Map.of("slowStart", "0s"));
        long startupMillis = (System.nanoTime() - restartedAt) / 1_000_000;
        long relearned = -1;
        while (System.nanoTime() - restartedAt < TimeUnit.SECONDS.toNanos(15)) {
            Map<String, Map<String, Double>> now = restarted.skills();
            if (now.keySet().equals(skillsBefore.keySet())
                    && now.entrySet().stream().allMatch(e -> e.getValue().keySet().containsAll(
                            skillsBefore.get(e.getKey()).keySet().stream().filter(c -> c.startsWith("site-")).toList()))) {
                relearned = (System.nanoTime() - restartedAt) / 1_000_000;
                break;
            }
            It.sleep(10);
        }
        Map<String, String> after = new TreeMap<>();
        for (String site : before.keySet()) {
            after.put(site, workerFor(restarted, site));
        }
        long same = before.keySet().stream().filter(s -> before.get(s).equals(after.get(s))).count();
        System.out.printf("load balancer restarted (startup %d ms): every worker's skills back %d ms after the restart began"
                + " (heartbeat 1 s); %d of %d classes went to the same worker as before%n", startupMillis, relearned, same, before.size());
        assertTrue(relearned >= 0, "skills relearned");
        assertTrue(relearned - startupMillis <= 2_000, "within about one heartbeat after the proxy is up: " + relearned + " ms");
        assertEquals(before, after, "each class goes back to its worker");
    }

    @Test
    void twoLoadBalancersFedByTheSameWorkersRouteAClassToTheSameWorker() throws Exception {
        ProxyNode one = fleet.addProxy(0);
        ProxyNode two = fleet.addProxy(0);
        addWorkers(3);
        Map<String, String> viaOne = warm(one, 15);
        It.sleep(1_500); // the workers' résumés reach both
        Map<String, String> viaTwo = new HashMap<>();
        Map<String, String> viaOneAgain = new HashMap<>();
        for (String site : viaOne.keySet()) {
            viaTwo.put(site, workerFor(two, site));
            viaOneAgain.put(site, workerFor(one, site));
        }
        long agree = viaOne.keySet().stream().filter(s -> viaOneAgain.get(s).equals(viaTwo.get(s))).count();
        System.out.printf("two load balancers: %d of %d classes routed to the same worker; %s%n", agree, viaOne.size(), viaTwo);
        assertEquals(viaOneAgain, viaTwo);
        assertTrue(new java.util.HashSet<>(viaTwo.values()).size() >= 2, "classes spread over workers: " + viaTwo);
    }
}
