package org.resumelb.zookeeper;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.resumelb.agent.discovery.Discovery;
import org.resumelb.agent.discovery.Discovery.Member;
import org.resumelb.agent.discovery.Discovery.Role;

/**
 * The discovery against a real ZooKeeper server (Curator's {@link TestingServer}):
 * registration, watches of members and of the settings node, a server restart,
 * session expiry, and many registrations at once.
 */
class ZooKeeperDiscoveryTest {

    private TestingServer server;
    private final List<Discovery> opened = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        server = LoopbackZooKeeper.server();
    }

    @AfterEach
    void stop() throws Exception {
        opened.forEach(Discovery::close);
        server.close();
    }

    /**
     * Sessions of 10 s: long enough that a client starved by a busy machine does not lose its session by chance; the
     * tests that expire one inject the expiry.
     */
    static final Duration SESSION = Duration.ofSeconds(10);

    ZooKeeperDiscovery open() {
        ZooKeeperDiscovery d = (ZooKeeperDiscovery) Discovery.open(
                new Discovery.Config(server.getConnectString(), "/resumelb-test", SESSION));
        opened.add(d);
        return d;
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        LoopbackZooKeeper.await(what, condition);
    }

    static Set<String> urls(AtomicReference<List<Member>> seen) {
        List<Member> m = seen.get();
        return m == null ? Set.of() : m.stream().map(Member::url).collect(Collectors.toSet());
    }

    @Test
    void theServiceLoaderFindsTheZooKeeperImplementation() {
        assertTrue(open() instanceof ZooKeeperDiscovery);
    }

    @Test
    void aRegisteredWorkerIsSeenWithItsVersionAndGoesWhenItsProcessCloses() throws Exception {
        ZooKeeperDiscovery lb = open();
        AtomicReference<List<Member>> workers = new AtomicReference<>();
        lb.watchMembers(Role.WORKER, workers::set);
        await("the empty initial set", () -> workers.get() != null);
        assertEquals(List.of(), workers.get());

        ZooKeeperDiscovery worker = open();
        worker.register(Role.WORKER, new Member("http://127.0.0.1:8081/app", "42"));
        await("the worker seen", () -> urls(workers).contains("http://127.0.0.1:8081/app"));
        assertEquals(List.of(new Member("http://127.0.0.1:8081/app", "42")), workers.get());

        AtomicReference<List<Member>> lbs = new AtomicReference<>();
        worker.watchMembers(Role.LOAD_BALANCER, lbs::set);
        lb.register(Role.LOAD_BALANCER, new Member("http://127.0.0.1:9090", null));
        await("the load balancer seen by the worker", () -> urls(lbs).equals(Set.of("http://127.0.0.1:9090")));
        assertEquals(Set.of("http://127.0.0.1:8081/app"), urls(workers), "roles are apart");

        worker.close();
        await("the closed worker gone at once", () -> urls(workers).isEmpty());
    }

    @Test
    void theSettingsNodeIsDeliveredAtStartAndOnEveryChangeOfItsBytes() throws Exception {
        ZooKeeperDiscovery writer = open();
        writer.client().create().creatingParentsIfNeeded().forPath(writer.settingsPath(), bytes("{\"variance\":2}"));
        ZooKeeperDiscovery lb = open();
        List<String> seen = new CopyOnWriteArrayList<>();
        lb.watchSettings(b -> seen.add(b == null ? "null" : new String(b, StandardCharsets.UTF_8)));
        await("the node at start", () -> seen.size() == 1);
        assertEquals("{\"variance\":2}", seen.get(0));
        writer.client().setData().forPath(writer.settingsPath(), bytes("{\"variance\":3}"));
        await("the change", () -> seen.size() == 2);
        assertEquals("{\"variance\":3}", seen.get(1));
        writer.client().setData().forPath(writer.settingsPath(), bytes("{\"variance\":3}"));
        writer.client().setData().forPath(writer.settingsPath(), bytes("{\"variance\":4}"));
        await("the next change", () -> seen.size() >= 3);
        assertEquals(List.of("{\"variance\":2}", "{\"variance\":3}", "{\"variance\":4}"), seen,
                "the same bytes written again are not delivered twice");
        writer.client().delete().forPath(writer.settingsPath());
        await("the deletion", () -> seen.size() == 4);
        assertEquals("null", seen.get(3));
    }

    @Test
    void afterAServerRestartRegistrationsStayAndWatchesWorkAgain() throws Exception {
        ZooKeeperDiscovery lb = open();
        AtomicReference<List<Member>> workers = new AtomicReference<>();
        lb.watchMembers(Role.WORKER, workers::set);
        List<String> settings = new CopyOnWriteArrayList<>();
        lb.watchSettings(b -> settings.add(b == null ? "null" : new String(b, StandardCharsets.UTF_8)));
        ZooKeeperDiscovery w1 = open();
        w1.register(Role.WORKER, new Member("http://w1", "1"));
        await("w1 seen", () -> urls(workers).equals(Set.of("http://w1")));

        server.stop();
        await("the loss noticed", () -> !lb.connected());
        assertEquals(Set.of("http://w1"), urls(workers), "the last view is kept while ZooKeeper is away");
        server.restart();
        await("reconnected", () -> lb.connected() && w1.connected());

        ZooKeeperDiscovery w2 = open();
        w2.register(Role.WORKER, new Member("http://w2", "1"));
        await("w2 seen after the restart", () -> urls(workers).equals(Set.of("http://w1", "http://w2")));
        w2.client().create().creatingParentsIfNeeded().forPath(w2.settingsPath(), bytes("{\"policy\":\"round-robin\"}"));
        await("the settings watch restored", () -> settings.contains("{\"policy\":\"round-robin\"}"));
        assertTrue(lb.reconnections() >= 1, lb.describe());
    }

    @Test
    void afterASessionExpiryTheWorkerIsRegisteredAgainAndTheWatcherKeepsWatching() throws Exception {
        ZooKeeperDiscovery lb = open();
        AtomicReference<List<Member>> workers = new AtomicReference<>();
        List<Set<String>> history = new CopyOnWriteArrayList<>();
        lb.watchMembers(Role.WORKER, m -> {
            workers.set(m);
            history.add(m.stream().map(Member::url).collect(Collectors.toSet()));
        });
        await("the empty initial set", () -> workers.get() != null);
        ZooKeeperDiscovery w1 = open();
        w1.register(Role.WORKER, new Member("http://w1", "1"));
        await("w1 seen", () -> urls(workers).equals(Set.of("http://w1")));
        long session = w1.client().getZookeeperClient().getZooKeeper().getSessionId();

        w1.client().getZookeeperClient().getZooKeeper().getTestable().injectSessionExpiration();
        await("a new session", () -> {
            try {
                return w1.connected() && w1.client().getZookeeperClient().getZooKeeper().getSessionId() != session;
            } catch (Exception e) {
                return false;
            }
        });
        // The expired session's node stays until the server expires that session (a session timeout later): then only
        // the new session's node is left.
        await("registered again, by the new session", () -> {
            try {
                List<String> now = w1.client().getChildren().forPath("/resumelb-test/workers");
                long current = w1.client().getZookeeperClient().getZooKeeper().getSessionId();
                return now.size() == 1
                        && w1.client().checkExists().forPath("/resumelb-test/workers/" + now.get(0)).getEphemeralOwner() == current;
            } catch (Exception e) {
                return false;
            }
        });
        await("seen again", () -> urls(workers).equals(Set.of("http://w1")));
        assertTrue(w1.sessionsLost() >= 1, w1.describe());
        int seen = history.indexOf(Set.of("http://w1"));
        assertTrue(seen > 0 && !history.subList(seen, history.size()).contains(Set.of()),
                "once seen, w1 never left the members: its new session's node came before the expired one went: " + history);

        // The watcher's own session expires: its watch comes back with the new session.
        lb.client().getZookeeperClient().getZooKeeper().getTestable().injectSessionExpiration();
        await("the watcher reconnected", () -> lb.sessionsLost() >= 1 && lb.connected());
        ZooKeeperDiscovery w2 = open();
        w2.register(Role.WORKER, new Member("http://w2", "1"));
        await("w2 seen by the watcher after its expiry", () -> urls(workers).equals(Set.of("http://w1", "http://w2")));
    }

    @Test
    void manyRegistrationsAtOnceReachTheListenerOneCallAtATimeEndingWithTheWholeSet() throws Exception {
        ZooKeeperDiscovery lb = open();
        AtomicReference<List<Member>> workers = new AtomicReference<>();
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        lb.watchMembers(Role.WORKER, m -> {
            if (inside.incrementAndGet() > 1) {
                overlaps.incrementAndGet();
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            workers.set(m);
            inside.decrementAndGet();
        });
        int n = 12;
        ExecutorService pool = Executors.newFixedThreadPool(4);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<ZooKeeperDiscovery>> started = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int k = i;
            started.add(pool.submit(() -> {
                go.await();
                ZooKeeperDiscovery w = new ZooKeeperDiscovery(
                        new Discovery.Config(server.getConnectString(), "/resumelb-test", SESSION));
                w.register(Role.WORKER, new Member("http://w" + k, "1"));
                return w;
            }));
        }
        go.countDown();
        for (Future<ZooKeeperDiscovery> f : started) {
            opened.add(f.get(30, TimeUnit.SECONDS));
        }
        pool.shutdown();
        await("all " + n + " seen", () -> urls(workers).size() == n);
        assertEquals(0, overlaps.get(), "listener calls never overlap");
        // Half of them leave at once.
        for (int i = 0; i < n / 2; i++) {
            opened.get(i + 1).close();
        }
        await("half gone", () -> urls(workers).size() == n - n / 2);
        assertEquals(0, overlaps.get());
        assertNotEquals(Set.of(), urls(workers));
    }

    @Test
    void aMemberNodeCarriesItsUrlAndVersionAsProperties() {
        Member m = new Member("http://w1:8080/app?x=1#y", "1.2 beta=3");
        assertEquals(m, ZooKeeperDiscovery.decode(ZooKeeperDiscovery.encode(m)));
        assertEquals(new Member("http://w", null), ZooKeeperDiscovery.decode(bytes("url=http://w\n")));
        assertEquals(null, ZooKeeperDiscovery.decode(bytes("version=1\n")));
        assertArrayEquals(bytes("url=http://w\n"), ZooKeeperDiscovery.encode(new Member("http://w", null)));
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
