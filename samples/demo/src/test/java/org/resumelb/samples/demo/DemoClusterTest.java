package org.resumelb.samples.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.api.Test;

/** The cluster's run-time changes: a worker that starts without joining, and the load balancer redeployed with another classifier. */
class DemoClusterTest {

    static final DemoOptions O = new DemoOptions(2, 20, 100, 5, 500, 200, 1.0, 4, Duration.ofSeconds(1), Duration.ofSeconds(1),
            List.of("resume"));

    @Test
    void aDetachedWorkerRunsButNeverJoins_andARestartedProxyKeepsItsPortAndTakesItsNewSettings() throws Exception {
        HttpClient client = new HttpClient();
        client.start();
        try (DemoCluster cluster = new DemoCluster(Path.of(System.getProperty("demo.wars")), "resume", O,
                Map.of("classifier", "host"), Map.of("heartbeat", "1"))) {
            cluster.awaitWorkers(30_000);
            String detached = cluster.addDetachedWorker();
            assertEquals(3, cluster.workerUrls().size());
            cluster.awaitWorkers(30_000);
            LoadGenerator load = new LoadGenerator(client, cluster.proxyUrl(), new Zipf(O.sites(), O.zipf()), O.concurrency());
            LoadGenerator.Run before = load.run(Duration.ofSeconds(30), 200, 1);
            assertEquals(200, before.requests());
            assertEquals(0, before.errors());
            assertFalse(before.byWorker().containsKey(detached), "the detached worker served nothing: " + before.byWorker());
            assertEquals(2, cluster.workersKnown());
            assertTrue(cluster.status("classes=100").contains("\"name\":\"site-0.news\""), "host classes");
            // The detached worker answers itself.
            assertEquals(200, client.GET(cluster.workerUrls().get(2) + "/article/1").getStatus());

            String url = cluster.proxyUrl();
            cluster.restartProxy(Map.of("classifier", "path:2"));
            assertEquals(url, cluster.proxyUrl());
            cluster.awaitWorkers(30_000);
            assertEquals(2, cluster.workersKnown(), "both joining workers are back, the detached one is not");
            LoadGenerator.Run after = load.run(Duration.ofSeconds(30), 200, 2);
            assertEquals(200, after.requests());
            assertEquals(0, after.errors());
            String status = cluster.status("classes=100");
            assertTrue(status.contains("\"classifier\":\"path:2\""), "the new setting: " + status);
            assertTrue(status.contains("{\"name\":\"0\",\"requests\":"), "requests counted under path:2 classes: " + status);
            // Host classes may still be listed from the workers' résumés, but no request is counted under one.
            assertFalse(Pattern.compile("\"name\":\"site-\\d+\\.news\",\"requests\":[1-9]").matcher(status).find(),
                    "no request classified by host: " + status);
        } finally {
            client.stop();
        }
    }

    @Test
    void severalLoadBalancersShareTheWorkersAndTheLoadGeneratorSendsToThemInTurn() throws Exception {
        HttpClient client = new HttpClient();
        client.start();
        try (DemoCluster cluster = new DemoCluster(Path.of(System.getProperty("demo.wars")), "resume", O, Map.of(), Map.of(), 3)) {
            cluster.awaitWorkers(30_000); // every worker in each of the three pools
            List<String> lbs = cluster.proxyUrls();
            assertEquals(3, lbs.size());
            assertEquals(lbs.get(0), cluster.proxyUrl());
            LoadGenerator load = new LoadGenerator(client, String.join(",", lbs), new Zipf(O.sites(), O.zipf()), O.concurrency(), 0);
            LoadGenerator.Run run = load.run(Duration.ofSeconds(30), 90, 1);
            assertEquals(90, run.requests());
            assertEquals(0, run.errors());
            Pattern requests = Pattern.compile("^\\{\"policy\":\"resume\".*?\"requests\":(\\d+)");
            for (String lb : lbs) {
                String status = client.GET(lb + "/_resumelb/status?classes=0").getContentAsString();
                java.util.regex.Matcher m = requests.matcher(status);
                assertTrue(m.find(), status);
                assertEquals(30, Integer.parseInt(m.group(1)), "a third of the requests through " + lb + ": " + status);
            }
        } finally {
            client.stop();
        }
    }
}
