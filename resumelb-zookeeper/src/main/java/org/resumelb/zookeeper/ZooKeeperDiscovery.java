package org.resumelb.zookeeper;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.CreateMode;
import org.resumelb.agent.Log;
import org.resumelb.agent.discovery.Discovery;

/**
 * {@link Discovery} on ZooKeeper through Apache Curator.
 *
 * <p><b>Znodes</b>, below the root {@code zookeeperPath} (default {@code /resumelb}):
 * <pre>
 *   /resumelb/workers/_c_&lt;uuid&gt;-member-0000000007   ephemeral, "url=http://w1:8080/app\nversion=42\n"
 *   /resumelb/lbs/_c_&lt;uuid&gt;-member-0000000003       ephemeral, "url=http://lb1:8080\n"
 *   /resumelb/settings                                  persistent, the settings file's JSON object
 * </pre>
 * A registration is a protected ephemeral sequential node, created again by
 * every new session (after an expiry) and whenever it is found missing, checked
 * at each connection and every third of a session timeout: a restarted process
 * never takes over the node of its previous session, and a new session's node
 * exists before the old session's goes, so a live node's URL never disappears
 * from the members. Members are read through a {@link CuratorCache} of the role's
 * node, the settings through a cache of the settings node; both resynchronise
 * after a reconnection.
 *
 * <p><b>Concurrency contract.</b> Curator's threads only hand work to one
 * event thread of this object; every listener runs there, one call at a time,
 * and gets the whole current set (members deduplicated by URL, so the same URL
 * registered twice, as after a quick restart, counts once). A settings listener
 * is called only when the node's bytes differ from the last ones delivered.
 * {@link #register}, the watches, {@link #connected} and {@link #describe} may
 * be called from any thread; {@link #close} is idempotent.
 */
public final class ZooKeeperDiscovery implements Discovery {

    private static final Log LOG = Log.get(ZooKeeperDiscovery.class);

    /** Found by {@link Discovery#open} through {@code META-INF/services}. */
    public static final class Provider implements Discovery.Provider {
        @Override
        public Discovery open(Config config) {
            return new ZooKeeperDiscovery(config);
        }
    }

    private final Config config;
    private final CuratorFramework client;
    private final ScheduledExecutorService events;
    private final List<AutoCloseable> resources = new CopyOnWriteArrayList<>();
    private final List<Registration> registrations = new CopyOnWriteArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicLong reconnections = new AtomicLong();
    private final AtomicLong sessionsLost = new AtomicLong();
    private volatile ConnectionState state = ConnectionState.SUSPENDED;

    public ZooKeeperDiscovery(Config config) {
        this.config = config;
        this.events = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "resumelb-zookeeper-events");
            t.setDaemon(true);
            return t;
        });
        int sessionMillis = (int) config.sessionTimeout().toMillis();
        this.client = CuratorFrameworkFactory.builder()
                .connectString(config.connect())
                .sessionTimeoutMs(sessionMillis)
                .connectionTimeoutMs(Math.min(sessionMillis, 5_000))
                // Operations retry for about a session; the connection itself is retried forever by ZooKeeper.
                .retryPolicy(new ExponentialBackoffRetry(100, 29, 2_000))
                .build();
        client.getConnectionStateListenable().addListener((c, newState) -> stateChanged(newState));
        client.start();
        // Registrations are checked at each connection and, in case a create failed, every third of a session.
        long check = Math.max(500, sessionMillis / 3);
        events.scheduleWithFixedDelay(() -> registrations.forEach(Registration::ensure), check, check, TimeUnit.MILLISECONDS);
        LOG.info("ResumeLB ZooKeeper discovery connecting to {} (root {}, session timeout {} ms)", config.connect(), config.root(),
                sessionMillis);
    }

    private void stateChanged(ConnectionState newState) {
        state = newState;
        if (newState.isConnected()) {
            for (Registration r : registrations) {
                post(r::ensure);
            }
        }
        switch (newState) {
            case CONNECTED -> LOG.info("ResumeLB connected to ZooKeeper {}", config.connect());
            case RECONNECTED -> {
                reconnections.incrementAndGet();
                LOG.warn("ResumeLB reconnected to ZooKeeper {}: registrations and watches are restored", config.connect());
            }
            case SUSPENDED -> LOG.warn("ResumeLB lost its connection to ZooKeeper {}: routing and pushes go on with the last view"
                    + " of the fleet and the settings in force until it is back", config.connect());
            case LOST -> {
                sessionsLost.incrementAndGet();
                LOG.warn("ResumeLB's ZooKeeper session is lost (no connection for the session timeout, {} ms): this node's"
                        + " registration is gone until a new session registers it again; the last view is kept",
                        config.sessionTimeout().toMillis());
            }
            default -> LOG.info("ResumeLB ZooKeeper connection: {}", newState);
        }
    }

    /** The node of a role: {@code <root>/workers} or {@code <root>/lbs}. */
    String rolePath(Role role) {
        return ZKPaths.makePath(config.root(), role.node());
    }

    /** The settings node: {@code <root>/settings}. */
    public String settingsPath() {
        return ZKPaths.makePath(config.root(), SETTINGS_NODE);
    }

    /**
     * One registration: an ephemeral sequential node per session. A new session
     * creates a new node at once, while the previous session's node (if the
     * server still holds it) lingers until that session expires, so the URL
     * never vanishes from the members in between; the same session never
     * creates a second node. Touched only on the event thread.
     */
    private final class Registration {
        private final String base;
        private final byte[] data;
        private String path;
        private long session;

        Registration(String base, byte[] data) {
            this.base = base;
            this.data = data;
        }

        /** Event thread. Creates the node if this session has none (any more); failures wait for the next check. */
        void ensure() {
            if (closed.get() || !client.getZookeeperClient().isConnected()) {
                return;
            }
            try {
                long now = client.getZookeeperClient().getZooKeeper().getSessionId();
                if (path != null && session == now && client.checkExists().forPath(path) != null) {
                    return;
                }
                path = client.create().creatingParentContainersIfNeeded().withProtection()
                        .withMode(CreateMode.EPHEMERAL_SEQUENTIAL).forPath(base, data);
                session = now;
                client.checkExists().usingWatcher((org.apache.zookeeper.Watcher) event -> post(this::ensure)).forPath(path);
                LOG.info("ResumeLB registered in ZooKeeper as {} (session 0x{})", path, Long.toHexString(now));
            } catch (Exception e) {
                LOG.warn("ResumeLB could not register {} in ZooKeeper yet: {}; trying again", base, e.toString());
            }
        }
    }

    @Override
    public void register(Role role, Member self) {
        checkOpen();
        Registration r = new Registration(ZKPaths.makePath(rolePath(role), "member-"), encode(self));
        registrations.add(r);
        post(r::ensure);
        LOG.info("ResumeLB registers {} {} in ZooKeeper under {}", role == Role.WORKER ? "worker" : "load balancer", self.url(),
                rolePath(role));
    }

    @Override
    public void watchMembers(Role role, Consumer<List<Member>> listener) {
        checkOpen();
        String path = rolePath(role);
        CuratorCache cache = CuratorCache.build(client, path);
        Runnable deliver = () -> listener.accept(members(cache, path));
        // The first call waits for the initial load, so it never reports a half-read set.
        AtomicBoolean initialized = new AtomicBoolean();
        cache.listenable().addListener(CuratorCacheListener.builder()
                .forAll((type, oldData, data) -> {
                    if (initialized.get()) {
                        post(deliver);
                    }
                })
                .forInitialized(() -> {
                    initialized.set(true);
                    post(deliver);
                })
                .build());
        resources.add(cache);
        cache.start();
    }

    @Override
    public void watchSettings(Consumer<byte[]> listener) {
        checkOpen();
        String path = settingsPath();
        CuratorCache cache = CuratorCache.build(client, path, CuratorCache.Options.SINGLE_NODE_CACHE);
        byte[][] last = {null};
        cache.listenable().addListener((type, oldData, data) -> post(() -> {
            byte[] now = cache.get(path).map(ChildData::getData).orElse(null);
            if (!Arrays.equals(now, last[0])) { // last[0]: only ever touched on the event thread
                last[0] = now;
                listener.accept(now);
            }
        }));
        resources.add(cache);
        cache.start();
    }

    private void post(Runnable task) {
        if (closed.get()) {
            return;
        }
        try {
            events.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException | Error e) {
                    LOG.error("ResumeLB ZooKeeper listener failed: {}", e.toString());
                }
            });
        } catch (RejectedExecutionException closing) {
            // closed meanwhile
        }
    }

    /** The members under {@code path} now, one per URL (the first registration seen), in node order. */
    private static List<Member> members(CuratorCache cache, String path) {
        Map<String, Member> byUrl = new LinkedHashMap<>();
        cache.stream()
                .filter(d -> path.equals(ZKPaths.getPathAndNode(d.getPath()).getPath()))
                .sorted((a, b) -> a.getPath().compareTo(b.getPath()))
                .forEach(d -> {
                    Member m = decode(d.getData());
                    if (m != null) {
                        byUrl.putIfAbsent(m.url(), m);
                    } else {
                        LOG.warn("ResumeLB ignores the ZooKeeper node {}: it holds no url=", d.getPath());
                    }
                });
        return List.copyOf(byUrl.values());
    }

    /** A member's node content: {@code url=...} and {@code version=...} lines (properties format). */
    static byte[] encode(Member m) {
        StringBuilder b = new StringBuilder("url=").append(escape(m.url())).append('\n');
        if (m.version() != null) {
            b.append("version=").append(escape(m.version())).append('\n');
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** A value as a properties line takes it unescaped: URLs and versions have no line breaks or backslashes. */
    private static String escape(String s) {
        if (s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0 || s.indexOf('\\') >= 0) {
            throw new IllegalArgumentException("a line break or a backslash in " + s);
        }
        return s.strip();
    }

    /** A node's member, or null when it holds no {@code url}. */
    static Member decode(byte[] data) {
        if (data == null) {
            return null;
        }
        Properties p = new Properties();
        try {
            p.load(new StringReader(new String(data, StandardCharsets.UTF_8)));
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
        String url = p.getProperty("url");
        return url == null || url.isBlank() ? null : new Member(url.strip(), p.getProperty("version"));
    }

    @Override
    public boolean connected() {
        return client.getZookeeperClient().isConnected();
    }

    /** Reconnections after a lost connection, and sessions lost, since start. */
    public long reconnections() {
        return reconnections.get();
    }

    public long sessionsLost() {
        return sessionsLost.get();
    }

    @Override
    public String describe() {
        long session;
        try {
            session = client.getZookeeperClient().getZooKeeper().getSessionId();
        } catch (Exception e) {
            session = 0;
        }
        return "ZooKeeper " + config.connect() + " root " + config.root() + ": " + (connected() ? "connected" : "NOT connected ("
                + state + ")") + ", session 0x" + Long.toHexString(session) + ", " + reconnections.get() + " reconnections, "
                + sessionsLost.get() + " sessions lost";
    }

    /** For tests in this package: the Curator client (to expire its session, to write nodes). */
    CuratorFramework client() {
        return client;
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("closed");
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        List<AutoCloseable> all = new ArrayList<>(resources);
        java.util.Collections.reverse(all);
        for (AutoCloseable r : all) {
            try {
                r.close();
            } catch (Exception e) {
                LOG.warn("ResumeLB could not close {}: {}", r, e.toString());
            }
        }
        client.close();
        events.shutdownNow();
    }
}
