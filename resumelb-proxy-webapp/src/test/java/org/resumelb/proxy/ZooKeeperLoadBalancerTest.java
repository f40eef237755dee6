package org.resumelb.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.resumelb.agent.config.ConfigException;
import org.resumelb.agent.config.Settings;
import org.resumelb.agent.discovery.Discovery;
import org.resumelb.agent.resume.Resume;
import org.resumelb.proxy.operations.RuntimeSettings;

/**
 * Load balancers with ZooKeeper discovery against a real ZooKeeper server: the
 * settings node is applied on every load balancer as an admin call would be,
 * an invalid node changes nothing, a worker whose node goes leaves the pool at
 * once, and each load balancer registers its lbUrl.
 */
class ZooKeeperLoadBalancerTest {

    static final String SECRET = "zookeeper-test-secret-0123456789";

    private TestingServer server;
    private CuratorFramework writer;
    private final List<AutoCloseable> opened = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        server = org.resumelb.zookeeper.LoopbackZooKeeper.server();
        writer = CuratorFrameworkFactory.newClient(server.getConnectString(), new RetryOneTime(100));
        writer.start();
        assertTrue(writer.blockUntilConnected(30, TimeUnit.SECONDS));
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : opened) {
            c.close();
        }
        writer.close();
        server.close();
    }

    /** Sessions of 10 s: a client starved by a busy machine must not lose its session (no test here waits for an expiry). */
    static final Duration SESSION = Duration.ofSeconds(10);

    Map<String, String> params(String lbUrl) {
        Map<String, String> p = new HashMap<>();
        p.put("secret", SECRET);
        p.put("zookeeper", server.getConnectString());
        p.put("zookeeperPath", "/fleet");
        p.put("zookeeperSessionTimeout", SESSION.toSeconds() + "s");
        p.put("lbUrl", lbUrl);
        return p;
    }

    LoadBalancer lb(String lbUrl) {
        LoadBalancer lb = LoadBalancer.start(ProxySettings.read(new Settings(List.of(Settings.of(params(lbUrl))))));
        opened.add(lb);
        return lb;
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        org.resumelb.zookeeper.LoopbackZooKeeper.await(what, condition);
    }

    void writeSettings(String json) throws Exception {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        if (writer.checkExists().forPath("/fleet/settings") == null) {
            writer.create().creatingParentsIfNeeded().forPath("/fleet/settings", body);
        } else {
            writer.setData().forPath("/fleet/settings", body);
        }
    }

    @Test
    void theSettingsNodeIsAppliedOnEveryLoadBalancerAndAnInvalidOneChangesNothing() throws Exception {
        LoadBalancer a = lb("http://127.0.0.1:9001");
        LoadBalancer b = lb("http://127.0.0.1:9002");
        writeSettings("{\"policy\":\"least-backlog\",\"variance\":3}");
        for (LoadBalancer lb : List.of(a, b)) {
            await("applied", () -> lb.admin().inForce().policy().equals("least-backlog"));
            assertEquals(3.0, lb.admin().inForce().pool().variance());
            assertEquals("least-backlog", lb.pool().policy());
            assertTrue(String.valueOf(lb.settingsInForce().get("settingsChangedBy")).startsWith("ZooKeeper node /fleet/settings at "),
                    lb.settingsInForce().toString());
        }

        // One bad value among good ones: nothing changes, the node is left as it was, the error is the admin call's.
        String bad = "{\"policy\":\"round-robin\",\"variance\":-1}";
        writeSettings(bad);
        String expected;
        try {
            a.admin().inForce().with(RuntimeSettings.readObject(bad.getBytes(StandardCharsets.UTF_8)));
            throw new AssertionError("the value should be refused");
        } catch (ConfigException e) {
            expected = e.getMessage();
        }
        for (LoadBalancer lb : List.of(a, b)) {
            await("refused", () -> lb.admin().lastChange().lastError() != null);
            assertEquals("ZooKeeper node /fleet/settings: " + expected, lb.admin().lastChange().lastError());
            assertEquals("least-backlog", lb.admin().inForce().policy(), "nothing changed");
            assertEquals(3.0, lb.admin().inForce().pool().variance());
            assertEquals("least-backlog", lb.pool().policy());
            assertNotNull(lb.settingsInForce().get("settingsRefused"));
        }
        assertEquals(bad, new String(writer.getData().forPath("/fleet/settings"), StandardCharsets.UTF_8), "the node is left as it was");

        writeSettings("not json");
        await("malformed refused", () -> a.admin().lastChange().lastError().contains("malformed JSON"));
        writeSettings("{\"policy\":\"round-robin\",\"workers\":\"http://evil\"}");
        await("unknown name refused", () -> a.admin().lastChange().lastError().contains("Unknown setting 'workers'"));
        assertEquals("least-backlog", a.admin().inForce().policy());

        writeSettings("{\"policy\":\"round-robin\"}");
        for (LoadBalancer lb : List.of(a, b)) {
            await("the next valid change applied", () -> lb.admin().inForce().policy().equals("round-robin"));
            assertEquals(3.0, lb.admin().inForce().pool().variance(), "unnamed settings keep their value");
        }
    }

    @Test
    void aWorkerWhoseNodeGoesLeavesThePoolAtOnceAndEachLoadBalancerIsRegistered() throws Exception {
        LoadBalancer lb = lb("http://127.0.0.1:9001");
        Discovery watcher = Discovery.open(new Discovery.Config(server.getConnectString(), "/fleet", SESSION));
        opened.add(watcher);
        AtomicReference<List<Discovery.Member>> lbs = new AtomicReference<>(List.of());
        watcher.watchMembers(Discovery.Role.LOAD_BALANCER, lbs::set);
        await("the load balancer registered", () -> lbs.get().equals(List.of(new Discovery.Member("http://127.0.0.1:9001", null))));

        Discovery worker = Discovery.open(new Discovery.Config(server.getConnectString(), "/fleet", SESSION));
        worker.register(Discovery.Role.WORKER, new Discovery.Member("http://127.0.0.1:8081", "1"));
        Discovery other = Discovery.open(new Discovery.Config(server.getConnectString(), "/fleet", SESSION));
        opened.add(other);
        other.register(Discovery.Role.WORKER, new Discovery.Member("http://127.0.0.1:8082", "1"));
        await("both registered", () -> String.valueOf(lb.settingsInForce().get("zookeeperState")).contains("2 workers registered"));
        for (String url : List.of("http://127.0.0.1:8081", "http://127.0.0.1:8082", "http://127.0.0.1:8083")) {
            lb.directory().pulled(url, new Resume(url, "w", "1", 1, System.currentTimeMillis(), false, Map.of()));
        }
        assertEquals(3, lb.pool().size());

        worker.close();
        await("the worker gone from the pool", () -> !lb.directory().live().containsKey("http://127.0.0.1:8081"));
        assertEquals(2, lb.pool().size(), "the other registered worker and the one never in ZooKeeper stay");
        assertTrue(lb.directory().live().containsKey("http://127.0.0.1:8083"));
        assertEquals(org.resumelb.proxy.membership.WorkerDirectory.State.DRAINING, lb.directory().state("http://127.0.0.1:8081"));

        lb.close();
        opened.remove(lb);
        await("the closed load balancer deregistered", () -> lbs.get().isEmpty());
    }

    @Test
    void zooKeeperSettingsAreValidatedLikeEveryOther() {
        Map<String, String> p = params("http://127.0.0.1:9001");
        p.remove("lbUrl");
        ConfigException e = assertThrows(ConfigException.class, () -> ProxySettings.read(new Settings(List.of(Settings.of(p)))));
        assertEquals("lbUrl", e.setting());
        assertTrue(e.getMessage().contains("required when 'zookeeper' is set"), e.getMessage());
        Map<String, String> q = new HashMap<>(Map.of("secret", SECRET, "lbUrl", "http://127.0.0.1:9001"));
        e = assertThrows(ConfigException.class, () -> ProxySettings.read(new Settings(List.of(Settings.of(q)))));
        assertEquals("lbUrl", e.setting());
        Map<String, String> r = params("ftp://x");
        e = assertThrows(ConfigException.class, () -> ProxySettings.read(new Settings(List.of(Settings.of(r)))));
        assertEquals("lbUrl", e.setting());
        assertFalse(ProxySettings.read(new Settings(List.of(Settings.of(Map.of("secret", SECRET))))).fleet().on());
    }
}
