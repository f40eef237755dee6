package org.resumelb.agent.discovery;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.function.Consumer;

import org.resumelb.agent.config.ConfigException;
import org.resumelb.agent.config.Settings;

/**
 * Discovery of the fleet through a coordination service (ZooKeeper, in the
 * optional {@code resumelb-zookeeper} jar): each node registers itself, learns
 * the nodes of the other role, and load balancers watch one settings node.
 * The filter and the proxy use it only when {@code zookeeper} is set; the
 * implementation is found with {@link ServiceLoader} ({@link Provider}), so the
 * drop-in filter jar and the proxy WAR carry none of it.
 *
 * <p><b>Contract for implementations.</b> {@link #register} and the watches
 * return at once and keep working across connection losses: a registration is
 * made again after a session expiry, and watches are restored on reconnection.
 * While the service is unreachable, listeners are simply not called, so the
 * caller keeps its last view. Listeners are called from one thread of the
 * implementation, one call at a time, always with the whole current set; they
 * must not block. Thread-safe; {@link #close} is idempotent.
 */
public interface Discovery extends AutoCloseable {

    /** The two kinds of nodes: workers register their worker URL, load balancers the URL workers push to. */
    enum Role {
        WORKER("workers"), LOAD_BALANCER("lbs");

        private final String node;

        Role(String node) {
            this.node = node;
        }

        /** The child of the root under which nodes of this role register. */
        public String node() {
            return node;
        }
    }

    /** One registered node: its URL and version (null when it has none). */
    record Member(String url, String version) {
        public Member {
            Objects.requireNonNull(url, "url");
        }
    }

    /**
     * Where and how to connect: {@code connect} is the {@code zookeeper} setting,
     * {@code root} the {@code zookeeperPath}, {@code sessionTimeout} the
     * {@code zookeeperSessionTimeout}.
     */
    record Config(String connect, String root, Duration sessionTimeout) {
        public Config {
            Objects.requireNonNull(connect, "connect");
            Objects.requireNonNull(root, "root");
            Objects.requireNonNull(sessionTimeout, "sessionTimeout");
        }
    }

    /** What a {@code resumelb-zookeeper} jar registers in {@code META-INF/services}. */
    interface Provider {
        /** Opens a client (connecting in the background; never blocks for the service). */
        Discovery open(Config config);
    }

    /** The name of the jar an operator adds, quoted in the message when it is missing. */
    String JAR = "resumelb-zookeeper-<version>-all.jar";

    /** Default of {@code zookeeperPath}. */
    String DEFAULT_ROOT = "/resumelb";

    /** The settings node of the load balancers, below the root. */
    String SETTINGS_NODE = "settings";

    /** Registers this node under its role's node, ephemeral: it goes when this client's session ends. */
    void register(Role role, Member self);

    /** Calls {@code listener} with every member of {@code role}, at once and after each change. */
    void watchMembers(Role role, Consumer<List<Member>> listener);

    /**
     * Calls {@code listener} with the settings node's content (null when the node
     * does not exist), at once when it exists and after each change.
     */
    void watchSettings(Consumer<byte[]> listener);

    /** Whether the client is connected now. */
    boolean connected();

    /** A line for the status page and logs: where, connected or not, session id. */
    String describe();

    /** Removes this node's registrations (by closing the session) and stops. */
    @Override
    void close();

    /**
     * Reads the ZooKeeper settings from {@code s}: null when {@code zookeeper} is
     * unset. Names, defaults and limits are defined here once for the filter and the proxy.
     *
     * @throws ConfigException naming the setting, the value and what is accepted
     */
    static Config config(Settings s) {
        String connect = s.string("zookeeper", null);
        String root = s.parsed("zookeeperPath", DEFAULT_ROOT, v -> {
            if (!v.matches("(/[A-Za-z0-9._-]+)+")) {
                throw new IllegalArgumentException("not a znode path");
            }
            return v;
        }, "an absolute znode path like /resumelb (segments of letters, digits and . _ -)");
        Duration sessionTimeout = s.duration("zookeeperSessionTimeout", Duration.ofSeconds(10), Duration.ofSeconds(2),
                Duration.ofMinutes(2));
        if (connect == null) {
            return null;
        }
        if (!connect.matches("[A-Za-z0-9.:\\[\\],_-]+(/[A-Za-z0-9._/-]*)?")) {
            throw new ConfigException("zookeeper", connect,
                    "not a ZooKeeper connect string: host:port[,host:port...][/chroot], e.g. zk1:2181,zk2:2181,zk3:2181");
        }
        return new Config(connect, root, sessionTimeout);
    }

    /**
     * Opens the implementation found on the class path of this class (the
     * webapp's {@code WEB-INF/lib}).
     *
     * @throws ConfigException naming {@code zookeeper} and the jar to add, when there is none
     */
    static Discovery open(Config config) {
        ServiceLoader<Provider> loader = ServiceLoader.load(Provider.class, Discovery.class.getClassLoader());
        for (Provider p : loader) {
            return p.open(config);
        }
        throw new ConfigException("zookeeper", config.connect(), "ZooKeeper discovery needs the " + JAR
                + " (module resumelb-zookeeper) next to ResumeLB in WEB-INF/lib; add it, or remove the setting");
    }
}
