package org.resumelb.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.test.InstanceSpec;
import org.resumelb.zookeeper.LoopbackZooKeeper;
import org.apache.curator.test.TestingCluster;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * ZooKeeper discovery end to end, with real ZooKeeper servers (Curator's
 * {@code TestingServer}, {@code TestingCluster}), the real proxy WAR in Jetty
 * and worker JVMs, the {@code resumelb-zookeeper-all.jar} added to both
 * webapps as an operator adds it to {@code WEB-INF/lib}, and no {@code lb} or
 * {@code workers} setting anywhere: workers join and leave through ZooKeeper,
 * the settings node reaches every load balancer (the time is printed) and an
 * invalid one changes nothing, and losing a ZooKeeper server under load (one of
 * an ensemble of three, or the only one for 10 s) costs no GET.
 */
class ZooKeeperIT {

    static final String ROOT = "/resumelb-it";
    static final String SETTINGS = ROOT + "/settings";
    /** How long a worker that left a pool for a moment (its ZooKeeper node gone) may take to be back: heartbeats are 1 s. */
    static final long REJOIN_MILLIS = 10_000;

    private Fleet fleet;
    private CuratorFramework writer;
    private AutoCloseable zookeeper;

    @AfterEach
    void stop() throws Exception {
        try {
            if (fleet != null) {
                fleet.close();
            }
        } finally {
            if (writer != null) {
                writer.close();
            }
            if (zookeeper != null) {
                zookeeper.close();
            }
        }
    }

    static String jar() {
        Path jar = Path.of(System.getProperty("it.zookeeperJar", "target/dist/resumelb-zookeeper-all.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("missing " + jar + " (run through mvn verify)");
        }
        return jar.toString();
    }

    /** A fleet of {@code proxies} load balancers and {@code workers} workers that know each other only through ZooKeeper. */
    void startFleet(String connect, int proxies, int workers) throws Exception {
        writer = CuratorFrameworkFactory.newClient(connect, 20_000, 5_000, new ExponentialBackoffRetry(100, 10, 1_000));
        writer.start();
        assertTrue(writer.blockUntilConnected(30, TimeUnit.SECONDS));
        fleet = new Fleet("z", 64);
        for (int i = 0; i < proxies; i++) {
            int port = It.freePort();
            Map<String, String> settings = new HashMap<>(Map.of("zookeeper", connect, "zookeeperPath", ROOT,
                    "zookeeperSessionTimeout", "4s", "lbUrl", "http://127.0.0.1:" + port,
                    // Far beyond every wait below: a worker that leaves the pool has left through ZooKeeper.
                    "workerTtl", "120s"));
            fleet.addProxy(port, settings, jar());
        }
        for (int i = 0; i < workers; i++) {
            addWorker(connect);
        }
        fleet.awaitWorkers();
    }

    WorkerProcess addWorker(String connect) throws Exception {
        return fleet.addUnlistedWorker("-Dresumelb.zookeeper=" + connect, "-Dresumelb.zookeeperPath=" + ROOT,
                "-Dresumelb.zookeeperSessionTimeout=4s", "-Dit.extraClasspath=" + jar());
    }

    void writeSettings(String json) throws Exception {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        if (writer.checkExists().forPath(SETTINGS) == null) {
            writer.create().creatingParentsIfNeeded().forPath(SETTINGS, body);
        } else {
            writer.setData().forPath(SETTINGS, body);
        }
    }

    /** Milliseconds until every proxy's status satisfies {@code applied} (polled every few ms; at most 10 s). */
    long awaitOnEveryProxy(String what, Predicate<ProxyStatus> applied) {
        long start = System.nanoTime();
        long deadline = start + TimeUnit.SECONDS.toNanos(10);
        for (ProxyNode proxy : fleet.proxies()) {
            ProxyStatus s;
            while (!applied.test(s = ProxyStatus.read(proxy.url()))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError(proxy.url() + ": not within 10 s: " + what + "; settings policy " + s.setting("policy")
                            + ", refused " + s.setting("settingsRefused") + ", zookeeper " + s.setting("zookeeperState"));
                }
                It.sleep(2);
            }
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    @Test
    void workersJoinAndLeaveAndSettingsReachEveryLoadBalancerThroughZooKeeper() throws Exception {
        TestingServer server = LoopbackZooKeeper.server();
        zookeeper = server;
        startFleet(server.getConnectString(), 3, 2);
        for (ProxyNode proxy : fleet.proxies()) {
            assertEquals(200, fleet.get(proxy, "site-1.news").getStatus(), "served through " + proxy.url());
        }

        writeSettings("{\"policy\":\"least-backlog\",\"variance\":2}");
        long millis = awaitOnEveryProxy("the settings node applied", s -> "least-backlog".equals(s.setting("policy")));
        System.out.println("ZooKeeperIT: the settings node reached all 3 load balancers in " + millis + " ms (status polled)");
        for (ProxyNode proxy : fleet.proxies()) {
            ProxyStatus s = ProxyStatus.read(proxy.url());
            assertEquals("2.0", s.setting("variance"), proxy.url());
            assertTrue(s.setting("settingsChangedBy").startsWith("ZooKeeper node " + SETTINGS), s.setting("settingsChangedBy"));
        }

        // One bad value among good ones: nothing changes anywhere, the node is left as it was.
        String bad = "{\"policy\":\"round-robin\",\"variance\":\"lots\"}";
        writeSettings(bad);
        awaitOnEveryProxy("the bad node refused", s -> s.setting("settingsRefused") != null);
        for (ProxyNode proxy : fleet.proxies()) {
            ProxyStatus s = ProxyStatus.read(proxy.url());
            assertTrue(s.setting("settingsRefused").contains("'variance' = 'lots'"), s.setting("settingsRefused"));
            assertEquals("least-backlog", s.setting("policy"), "nothing changed on " + proxy.url());
            assertEquals("2.0", s.setting("variance"));
        }
        assertEquals(bad, new String(writer.getData().forPath(SETTINGS), StandardCharsets.UTF_8));

        // A worker joins through ZooKeeper alone; a worker killed leaves every pool through it.
        addWorker(server.getConnectString());
        fleet.awaitWorkers();
        WorkerProcess victim = fleet.workers().get(0);
        victim.kill();
        fleet.awaitWorkers();
        for (ProxyNode proxy : fleet.proxies()) {
            assertEquals("DRAINING", proxy.departed().get(victim.url()),
                    "left because its node went (workerTtl is 120 s): " + proxy.departed());
            assertEquals(200, fleet.get(proxy, "site-2.news").getStatus());
        }
    }

    @Test
    void withZookeeperSetButNoJarNeitherSideStartsAndTheMessageNamesTheSettingAndTheJar() throws Exception {
        String connect = "127.0.0.1:" + It.freePort();
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> new ProxyNode(0, Map.of("zookeeper", connect,
                "lbUrl", "http://127.0.0.1:1")).close());
        String all = chain(e);
        assertTrue(all.contains("ResumeLB setting 'zookeeper' = '" + connect + "'") && all.contains("resumelb-zookeeper-<version>-all.jar")
                && all.contains("WEB-INF/lib"), all);

        fleet = new Fleet("nojar", 8);
        Exception w = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
                () -> fleet.addUnlistedWorker("-Dresumelb.zookeeper=" + connect));
        java.util.regex.Matcher log = java.util.regex.Pattern.compile("see (\\S+\\.log)").matcher(chain(w));
        assertTrue(log.find(), chain(w));
        String output = Files.readString(Path.of(log.group(1)));
        assertTrue(output.contains("ResumeLB filter not started: ResumeLB setting 'zookeeper'")
                && output.contains("resumelb-zookeeper-<version>-all.jar"), output);
    }

    static String chain(Throwable t) {
        StringBuilder b = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            b.append(c).append(" | ");
        }
        return b.toString();
    }

    @Test
    void anEnsembleOfThreeLosingOneServerUnderLoadCostsNoFailedGet() throws Exception {
        TestingCluster cluster = LoopbackZooKeeper.cluster(3);
        cluster.start();
        zookeeper = cluster;
        startFleet(cluster.getConnectString(), 2, 2);
        Set<String> workers = fleet.aliveUrls();
        List<Fleet.Load> loads = fleet.proxies().stream()
                .map(p -> fleet.load(p, 2, 14_000, 3_000, (thread, i) -> "site-" + ((i * 2 + thread) % 20) + ".news")).toList();
        It.sleep(2_000);
        InstanceSpec killed = cluster.getInstances().iterator().next();
        assertTrue(cluster.killServer(killed), "killed " + killed);
        It.sleep(3_000);
        writeSettings("{\"policy\":\"least-backlog\"}");
        long millis = awaitOnEveryProxy("a settings change with one server down", s -> "least-backlog".equals(s.setting("policy")));
        System.out.println("ZooKeeperIT: with one of 3 servers down, the settings node reached both load balancers in " + millis + " ms");
        long requests = 0;
        for (Fleet.Load load : loads) {
            load.finish();
            System.out.println("ZooKeeperIT ensemble losing one: " + load.summary());
            assertEquals(0, load.errors(), load.summary());
            requests += load.requests();
        }
        assertTrue(requests > 100, "the load ran: " + requests);
        // A worker may have left a pool for a moment (its session lost with the server it was connected to); its
        // next push brings it back, within seconds.
        for (ProxyNode proxy : fleet.proxies()) {
            ProxyStatus.awaitWorkers(proxy.url(), workers, REJOIN_MILLIS);
        }
    }

    @Test
    void theOnlyServerStoppedForTenSecondsUnderLoadCostsNoFailedGetAndWatchesComeBack() throws Exception {
        TestingServer server = LoopbackZooKeeper.server(It.freePort());
        zookeeper = server;
        startFleet(server.getConnectString(), 2, 2);
        Set<String> workers = fleet.aliveUrls();
        List<Fleet.Load> loads = fleet.proxies().stream()
                .map(p -> fleet.load(p, 2, 20_000, 4_000, (thread, i) -> "site-" + ((i * 2 + thread) % 20) + ".news")).toList();
        It.sleep(2_000);
        server.stop();
        It.sleep(10_000); // longer than the 4 s sessions: every session expires, registrations are made again
        for (ProxyNode proxy : fleet.proxies()) {
            assertEquals(workers, proxy.liveWorkers(), "the last view is kept while ZooKeeper is away: " + proxy.url());
        }
        server.restart();
        writeSettings("{\"policy\":\"least-backlog\"}");
        long millis = awaitOnEveryProxy("a settings change after the restart", s -> "least-backlog".equals(s.setting("policy")));
        System.out.println("ZooKeeperIT: after the restart, the settings node reached both load balancers in " + millis + " ms");
        long requests = 0;
        for (Fleet.Load load : loads) {
            load.finish();
            System.out.println("ZooKeeperIT single server lost 10 s: " + load.summary());
            assertEquals(0, load.errors(), load.summary());
            requests += load.requests();
        }
        assertTrue(requests > 100, "the load ran: " + requests);
        // Every session expired: a worker may have left a pool for a moment when its registration went; its next push
        // brings it back, within seconds.
        for (ProxyNode proxy : fleet.proxies()) {
            ProxyStatus.awaitWorkers(proxy.url(), workers, REJOIN_MILLIS);
            assertTrue(ProxyStatus.read(proxy.url()).setting("zookeeperState").contains(": connected"),
                    ProxyStatus.read(proxy.url()).setting("zookeeperState"));
        }
    }
}
