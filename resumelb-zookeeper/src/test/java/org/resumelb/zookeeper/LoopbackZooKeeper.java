package org.resumelb.zookeeper;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.apache.curator.test.TestingServer;

/**
 * Real ZooKeeper servers for tests, bound to loopback: Curator's
 * {@code TestingServer} and {@code TestingCluster} would otherwise listen for
 * clients on every interface. Shared by this module's tests, the proxy's and
 * {@code src-it}'s (this module's test jar).
 */
public final class LoopbackZooKeeper {

    private static final String LOOPBACK = "127.0.0.1";

    private LoopbackZooKeeper() {
    }

    /** A server's spec on {@code port} (-1: a free one), clients and quorum on loopback. */
    public static InstanceSpec spec(int port) {
        return new InstanceSpec(null, port, -1, -1, true, -1, -1, -1, Map.of("clientPortAddress", LOOPBACK), LOOPBACK);
    }

    /** A started single server on a free port. */
    public static TestingServer server() throws Exception {
        return server(-1);
    }

    /** A started single server on {@code port} (-1: a free one). */
    public static TestingServer server(int port) throws Exception {
        return new TestingServer(spec(port), true);
    }

    /** An ensemble of {@code servers}, not started. */
    public static TestingCluster cluster(int servers) {
        List<InstanceSpec> specs = new ArrayList<>();
        for (int i = 0; i < servers; i++) {
            specs.add(spec(-1));
        }
        return new TestingCluster(specs);
    }

    /** Waits until {@code condition} holds, at most 30 s (ZooKeeper's events arrive on its own threads). */
    public static void await(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not within 30 s: " + what);
            }
            Thread.sleep(20);
        }
    }
}
