package org.resumelb.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpHeader;
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
    HttpClient client;
    final List<WorkerProcess> workers = new ArrayList<>();
    final List<ProxyNode> proxies = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        client = new HttpClient();
        client.start();
    }

    @AfterEach
    void stop() throws Exception {
        for (WorkerProcess w : workers) {
            w.close();
        }
        for (ProxyNode p : proxies) {
            p.close();
        }
        client.stop();
    }

    String workerFor(ProxyNode proxy, String site) throws Exception {
        var r = client.newRequest(proxy.url() + "/article").headers(h -> h.put(HttpHeader.HOST, site)).timeout(20, TimeUnit.SECONDS).send();
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

    Set<String> urls() {
        return workers.stream().map(WorkerProcess::url).collect(Collectors.toSet());
    }

    @Test
    void aRestartedLoadBalancerRelearnsSkillsWithinAHeartbeatAndRoutesAsBefore() throws Exception {
        ProxyNode proxy = new ProxyNode(0, Map.of());
        proxies.add(proxy);
        int port = proxy.port();
        for (int i = 1; i <= 3; i++) {
            workers.add(WorkerProcess.start("w" + i, 0, List.of(proxy.url())));
        }
        proxy.awaitWorkers(urls(), 20_000);
        Map<String, String> before = warm(proxy, 15);
        It.sleep(1_500); // résumés with every site reach the proxy
        Map<String, Map<String, Double>> skillsBefore = proxy.skills();

        proxy.close();
        proxies.remove(proxy);
        long restartedAt = System.nanoTime();
        ProxyNode restarted = new ProxyNode(port, Map.of());
        proxies.add(restarted);
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
        ProxyNode one = new ProxyNode(0, Map.of());
        ProxyNode two = new ProxyNode(0, Map.of());
        proxies.add(one);
        proxies.add(two);
        for (int i = 1; i <= 3; i++) {
            workers.add(WorkerProcess.start("w" + i, 0, List.of(one.url(), two.url())));
        }
        one.awaitWorkers(urls(), 20_000);
        two.awaitWorkers(urls(), 20_000);
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
