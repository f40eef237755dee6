package org.resumelb.proxy;

import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.resumelb.agent.classify.RequestClasses;
import org.resumelb.agent.classify.RequestClassifier;
import org.resumelb.agent.config.ConfigException;
import org.resumelb.agent.config.SettingNames;
import org.resumelb.agent.config.Settings;
import org.resumelb.agent.discovery.Discovery;
import org.resumelb.agent.protocol.Protocol;
import org.resumelb.proxy.membership.WorkerAllow;
import org.resumelb.proxy.membership.WorkerTls;
import org.resumelb.proxy.operations.AdminAccess;
import org.resumelb.proxy.operations.TrustedProxies;
import org.resumelb.proxy.operations.RuntimeSettings;
import org.resumelb.proxy.route.StickyCookie;
import org.resumelb.proxy.route.PriorityRule;
import org.resumelb.proxy.route.UserKey;

/**
 * The load balancer's settings, read and validated once when it starts; an
 * invalid value stops deployment with a {@link ConfigException} naming the
 * setting, the value and what is accepted. The settings that may also change at
 * run time (policy and the pool's tunables) are defined in
 * {@link RuntimeSettings}, and read from here through it. {@link #jettyParameters}
 * are the validated values handed to Jetty's {@code ProxyServlet} under its own
 * init-param names. {@link #unknownSettings} are warnings, one a line, about
 * the names found in the settings' sources that the proxy does not read
 * ({@link SettingNames#PROXY}, see {@link Settings#unknownSettings}), to be
 * logged at start-up; they never show values.
 */
public record ProxySettings(RequestClassifier classifier, String classifierFingerprint, PreviousClassifier previousClassifier,
                            RuntimeSettings runtime,
                            byte[] secret, boolean insecure, List<URI> workers, Duration pullInterval,
                            Duration workerTtl, Duration maxSkew, Set<String> retryMethods, int maxRetries,
                            Duration queueTimeout, int maxQueued, boolean singleVersion, String prefix,
                            AdminAccess adminAllow, java.nio.file.Path settingsFile, int maxClasses,
                            Duration slowStart, StickyCookie sticky, boolean workerLoadReport, Edge edge, Boundaries boundaries,
                            Admission admission, Fleet fleet, Map<String, String> jettyParameters, Map<String, String> inForce,
                            List<String> unknownSettings) {

    /**
     * The classifier the load balancer used before this one (setting
     * {@code previousClassifier}): skills that workers learned under it place the
     * classes of the new one that nobody has yet, so that each goes where the
     * data of its requests already is.
     *
     * @param spec the setting as written, e.g. {@code host}
     * @param classifier the classifier it parses to
     * @param fingerprint the fingerprint résumés learned under it carry ({@link Protocol#fingerprint})
     */
    public record PreviousClassifier(String spec, RequestClassifier classifier, String fingerprint) {
        static PreviousClassifier read(Settings s, String classifierSetting, String classifierFingerprint) {
            String spec = s.raw("previousClassifier");
            if (spec == null) {
                return null;
            }
            RequestClassifier previous = s.parsed("previousClassifier", null, RequestClasses::parse, null);
            if (classifierFingerprint == null) {
                throw new ConfigException("previousClassifier", spec,
                        "needs classifierFingerprint=true: skills are told apart by the classifier they were learned under");
            }
            String fingerprint = Protocol.fingerprint(spec);
            if (fingerprint.equals(classifierFingerprint)) {
                throw new ConfigException("previousClassifier", spec,
                        "is the classifier itself ('" + classifierSetting + "'); name the classifier used before it, or leave it unset");
            }
            return new PreviousClassifier(spec, previous, fingerprint);
        }
    }

    /**
     * How the proxy meets slow clients and slow workers.
     *
     * @param requestBuffer request bodies up to this size are read whole before a worker is chosen
     *     (larger ones, by their Content-Length, stream); 0: every body streams
     * @param responseBuffer bytes of one response the proxy takes from the worker ahead of a slow client
     *     before it stops reading (back-pressure)
     * @param connectTimeout longest wait for a connection to a worker
     * @param clientBodyTimeout longest pause between two reads of a client's request body
     * @param minClientDataRate bytes per second a request body must average once it has taken more than a
     *     second; 0: no minimum
     */
    public record Edge(long requestBuffer, long responseBuffer, Duration connectTimeout, Duration clientBodyTimeout,
                       long minClientDataRate) {
        static Edge read(Settings s) {
            return new Edge(
                    s.bytes("requestBuffer", 1L << 20, 0, 64L << 20),
                    s.bytes("responseBuffer", 256L << 10, 8L << 10, 64L << 20),
                    s.duration("connectTimeout", Duration.ofSeconds(5), Duration.ofMillis(10), Duration.ofMinutes(10)),
                    s.duration("clientBodyTimeout", Duration.ofSeconds(30), Duration.ofMillis(100), Duration.ofHours(1)),
                    s.bytes("minClientDataRate", 0, 0, 1L << 30));
        }
    }

    /**
     * Whom the proxy believes and what others may cost it (see the Security section of the README).
     *
     * @param trustedProxies reverse proxies whose forwarding headers are believed (kept and appended to on the way
     *     to workers, and used to find the client's address for statusAllow and adminAllow); default none
     * @param statusAllow who may read the dashboard, status and metrics besides loopback (adminAllow may too)
     * @param workerAllow which worker URLs a push may register; default any address but link-local ones
     *     (never this load balancer itself)
     * @param workerTls the trust of workers announcing https:// URLs: the trust store {@code workerTrustStore}
     *     (opened with {@code workerTrustStorePassword} or {@code workerTrustStorePasswordFile}), else the JVM's default
     * @param maxWorkers most live workers: a push that would add one more is refused (429)
     * @param maxDeparted most departed workers remembered for the status page, the oldest forgotten first
     * @param classBudget classes in no résumé a worker may be taught per minute; beyond, requests of such classes go
     *     by backlog as the overflow class; 0: no limit
     */
    public record Boundaries(TrustedProxies trustedProxies, AdminAccess statusAllow, WorkerAllow workerAllow, WorkerTls workerTls,
                             int maxWorkers, int maxDeparted, int classBudget) {
        static Boundaries read(Settings s) {
            return new Boundaries(
                    s.parsed("trustedProxies", "", TrustedProxies::parse,
                            "a comma-separated list of the IP addresses and CIDR blocks of reverse proxies in front of the load balancer"),
                    s.parsed("statusAllow", "", AdminAccess::parse,
                            "a comma-separated list of IP addresses and CIDR blocks, or * for everyone; loopback is always allowed"),
                    s.parsed("workerAllow", "", WorkerAllow::parse,
                            "a comma-separated list of IP addresses, CIDR blocks and host names (*.example.com), or *"),
                    workerTls(s),
                    s.integer("maxWorkers", 1000, 1, 100_000),
                    s.integer("maxDeparted", 1000, 0, 1_000_000),
                    s.integer("classBudget", 600, 0, 10_000_000));
        }

        /**
         * The trust store of {@code workerTrustStore}, opened with the password of
         * {@code workerTrustStorePassword} or {@code workerTrustStorePasswordFile}; unset: the JVM's default.
         */
        static WorkerTls workerTls(Settings s) {
            java.nio.file.Path store = s.parsed("workerTrustStore", "",
                    v -> v.isBlank() ? null : java.nio.file.Path.of(v.trim()).toAbsolutePath(), "the path of a PKCS12 or JKS trust store");
            char[] password = s.password("workerTrustStorePassword");
            try {
                if (store == null) {
                    if (password != null) {
                        throw new ConfigException("workerTrustStorePassword", "***",
                                "a password without a trust store; set workerTrustStore to the PKCS12 or JKS trust store it opens");
                    }
                    return WorkerTls.jvmDefault();
                }
                try {
                    return WorkerTls.load(store, password);
                } catch (IllegalArgumentException e) {
                    throw new ConfigException("workerTrustStore", store.toString(), e.getMessage()
                            + "; accepted: a PKCS12 or JKS trust store holding the certificates (or their CA's) that workers present");
                }
            } finally {
                if (password != null) {
                    java.util.Arrays.fill(password, '\0');
                }
            }
        }
    }

    /**
     * Admission: a limit on each worker's requests in flight and the fair queue in front of it
     * ({@link org.resumelb.proxy.route.AdmissionQueue}; see "Admission" in docs/operations.md). Off by default.
     *
     * @param maxBacklog requests in flight per worker at most; a request no worker may take waits in the admission
     *     queue (up to {@code queueTimeout}, at most {@code maxQueued} of them); 0: no limit, no queue (the default)
     * @param reservedBacklog of each worker's {@code maxBacklog}, the slots only high-priority requests may take;
     *     less than {@code maxBacklog}; needs {@code priority}; default 0
     * @param maxQueuedPerUser requests of one user ({@code userKey}) waiting at most; beyond, 429; default 100
     * @param userKey who a request's user is, for fairness between users; default none (every request one user)
     * @param priority which requests are high priority; default none (all normal)
     * @param userReserve free slots of the pool (all workers together) that a user with its fair share or more in
     *     flight may not take, so that a user below its share usually finds one free; needs {@code userKey}; default 0
     */
    public record Admission(int maxBacklog, int reservedBacklog, int maxQueuedPerUser, UserKey userKey, PriorityRule priority,
                            int userReserve) {

        /** Whether admission is on ({@code maxBacklog} set). */
        public boolean on() {
            return maxBacklog > 0;
        }

        static Admission read(Settings s) {
            int maxBacklog = s.integer("maxBacklog", 0, 0, 100_000);
            int reserved = s.integer("reservedBacklog", 0, 0, 100_000);
            int perUser = s.integer("maxQueuedPerUser", 100, 1, 10_000_000);
            int userReserve = s.integer("userReserve", 0, 0, 100_000);
            UserKey userKey = s.parsed("userKey", "", UserKey::parse, UserKey.ACCEPTED);
            PriorityRule priority = s.parsed("priority", "", PriorityRule::parse, PriorityRule.ACCEPTED);
            String needsLimit = "takes effect only with a limit of requests in flight per worker: set maxBacklog too";
            if (maxBacklog == 0) {
                for (String name : List.of("reservedBacklog", "maxQueuedPerUser", "userKey", "priority", "userReserve")) {
                    if (s.raw(name) != null) {
                        throw new ConfigException(name, s.raw(name), needsLimit);
                    }
                }
            }
            if (reserved > 0 && reserved >= maxBacklog) {
                throw new ConfigException("reservedBacklog", Integer.toString(reserved),
                        "accepted: fewer than maxBacklog (" + maxBacklog + ") slots, so that normal requests keep some");
            }
            if (reserved > 0 && !priority.any()) {
                throw new ConfigException("reservedBacklog", Integer.toString(reserved),
                        "reserves slots for high-priority requests, and without the setting 'priority' there are none: set priority too");
            }
            if (s.raw("maxQueuedPerUser") != null && !userKey.perUser()) {
                throw new ConfigException("maxQueuedPerUser", s.raw("maxQueuedPerUser"),
                        "bounds the waiting requests of one user, and without the setting 'userKey' every request is one user: set userKey"
                                + " too (maxQueued bounds them all)");
            }
            if (userReserve > 0 && !userKey.perUser()) {
                throw new ConfigException("userReserve", Integer.toString(userReserve),
                        "keeps slots free for users below their fair share, and without the setting 'userKey' every request is one"
                                + " user: set userKey too");
            }
            return new Admission(maxBacklog, reserved, userKey.perUser() ? perUser : 0, userKey, priority, userReserve);
        }
    }

    /**
     * ZooKeeper discovery (see "ZooKeeper" in docs/operations.md): off unless {@code zookeeper} is set.
     *
     * @param zookeeper where to register and watch ({@code zookeeper}, {@code zookeeperPath},
     *     {@code zookeeperSessionTimeout}), or null when off
     * @param lbUrl the URL workers push their résumés to ({@code {lbUrl}{prefix}/resumes}), registered in
     *     ZooKeeper; required with {@code zookeeper}, refused without it
     */
    public record Fleet(Discovery.Config zookeeper, URI lbUrl) {

        /** Whether ZooKeeper discovery is on. */
        public boolean on() {
            return zookeeper != null;
        }

        static Fleet read(Settings s) {
            Discovery.Config zookeeper = Discovery.config(s);
            String raw = s.string("lbUrl", null);
            if (zookeeper == null) {
                if (raw != null) {
                    throw new ConfigException("lbUrl", raw, "is registered in ZooKeeper and takes effect only with it: set zookeeper too");
                }
                return new Fleet(null, null);
            }
            if (raw == null) {
                throw new ConfigException("lbUrl", null, "required when 'zookeeper' is set: the URL workers push résumés to,"
                        + " registered in ZooKeeper, e.g. http://${hostname}:8080 (the load balancer's context, without the prefix)");
            }
            String resolved = raw.replace("${hostname}", hostname());
            return new Fleet(zookeeper, Settings.httpUrl("lbUrl", resolved));
        }

        private static String hostname() {
            try {
                return java.net.InetAddress.getLocalHost().getHostName();
            } catch (java.net.UnknownHostException e) {
                return "localhost";
            }
        }
    }

    /**
     * Reads and validates the proxy's settings from {@code s}, and lists the
     * names its sources hold that the proxy does not read.
     *
     * @throws ConfigException naming the setting, the value and what is
     *     accepted, and adding the warnings about unknown names (a misspelled
     *     name is often why a setting is missing)
     */
    public static ProxySettings read(Settings s) {
        try {
            return readChecked(s);
        } catch (ConfigException e) {
            throw e.withWarnings(s.unknownSettings(SettingNames.PROXY));
        }
    }

    /** The classifier when none is set. */
    static final String DEFAULT_CLASSIFIER = "host";

    private static ProxySettings readChecked(Settings s) {
        String classifierSetting = java.util.Objects.requireNonNullElse(s.raw("classifier"), DEFAULT_CLASSIFIER);
        RequestClassifier classifier = s.parsed("classifier", DEFAULT_CLASSIFIER, RequestClasses::parse, null);
        String classifierFingerprint = s.bool("classifierFingerprint", true)
                ? Protocol.fingerprint(classifierSetting) : null;
        PreviousClassifier previousClassifier = PreviousClassifier.read(s, classifierSetting, classifierFingerprint);
        RuntimeSettings runtime = RuntimeSettings.read(s);

        byte[] secret = s.secret();
        boolean insecure = s.bool("insecure", false);
        List<URI> workers = s.urls("workers");
        Duration pullInterval = s.duration("pullInterval", Duration.ofSeconds(5), Duration.ofMillis(100), Duration.ofHours(1));
        Duration workerTtl = s.duration("workerTtl", Duration.ofSeconds(30), Duration.ofMillis(200), Duration.ofDays(1));
        Duration maxSkew = s.duration("maxSkew", Duration.ofMinutes(5), Duration.ofSeconds(1), Duration.ofDays(1));
        Set<String> retryMethods = s.parsed("retryMethods", "GET,HEAD", ProxySettings::methods, "a comma-separated list of HTTP methods, e.g. GET,HEAD");
        int maxRetries = s.integer("maxRetries", 2, 0, 100);
        Duration queueTimeout = s.duration("queueTimeout", Duration.ofSeconds(10), Duration.ZERO, Duration.ofMinutes(10));
        int maxQueued = s.integer("maxQueued", 10_000, 0, 10_000_000);
        boolean singleVersion = s.bool("singleVersion", false);
        String prefix = s.parsed("prefix", Protocol.DEFAULT_PREFIX, v -> {
            if (!v.matches("/[A-Za-z0-9._~-]+(/[A-Za-z0-9._~-]+)*")) {
                throw new IllegalArgumentException("not a path prefix");
            }
            return v;
        }, "a path like /_resumelb");
        AdminAccess adminAllow = s.parsed("adminAllow", "", AdminAccess::parse,
                "a comma-separated list of IP addresses and CIDR blocks (10.0.0.0/8, 2001:db8::/32), or * for everyone; loopback is always allowed");
        java.nio.file.Path settingsFile = s.parsed("settingsFile", "", v -> {
            if (v.isBlank()) {
                return null;
            }
            java.nio.file.Path path = java.nio.file.Path.of(v.trim()).toAbsolutePath();
            java.nio.file.Path dir = path.getParent();
            if (java.nio.file.Files.isDirectory(path) || dir == null || !java.nio.file.Files.isDirectory(dir)) {
                throw new IllegalArgumentException("not a file in an existing directory");
            }
            if (!java.nio.file.Files.isWritable(dir)) {
                throw new IllegalArgumentException("its directory is not writable");
            }
            return path;
        }, "the path of a file in an existing, writable directory (run-time settings are saved there)");
        int maxClasses = s.integer("maxClasses", 10_000, 10, 1_000_000);
        Duration slowStart = s.duration("slowStart", Duration.ofSeconds(20), Duration.ZERO, Duration.ofHours(1));
        StickyCookie sticky = s.parsed("sticky", "", StickyCookie::parse, StickyCookie.ACCEPTED);
        boolean workerLoadReport = s.bool("workerLoadReport", true);
        Edge edge = Edge.read(s);
        Boundaries boundaries = Boundaries.read(s);
        Admission admission = Admission.read(s);
        Fleet fleet = Fleet.read(s);
        if (sticky != null && admission.on()) {
            throw new ConfigException("sticky", s.raw("sticky"), "sticky sessions do not work with maxBacklog yet (the admission"
                    + " queue routes every request by its class); accepted: unset while maxBacklog is set");
        }

        // Jetty's own ProxyServlet parameters, validated here so that a bad value names the setting.
        Map<String, String> jetty = new LinkedHashMap<>();
        jetty.put("timeout", Long.toString(s.duration("timeout", Duration.ofSeconds(60), Duration.ZERO, Duration.ofHours(24)).toMillis()));
        jetty.put("idleTimeout", Long.toString(s.duration("idleTimeout", Duration.ofSeconds(30), Duration.ofMillis(1), Duration.ofHours(24)).toMillis()));
        jetty.put("maxConnections", Integer.toString(s.integer("maxConnections", 256, 1, 1_000_000)));
        jetty.put("preserveHost", Boolean.toString(s.bool("preserveHost", true)));
        String maxThreads = s.raw("maxThreads");
        if (maxThreads != null) {
            jetty.put("maxThreads", Integer.toString(s.integer("maxThreads", 0, 2, 100_000)));
        }
        for (String passThrough : List.of("hostHeader", "viaHost", "selectors", "requestBufferSize", "responseBufferSize",
                "maxRequestHeadersSize", "maxResponseHeadersSize")) {
            String v = s.raw(passThrough);
            if (v != null) {
                if (!passThrough.endsWith("Host") && !passThrough.equals("hostHeader")) {
                    s.integer(passThrough, 0, 1, Integer.MAX_VALUE);
                }
                jetty.put(passThrough, v);
            }
        }
        if (secret == null && !insecure && workers.isEmpty()) {
            throw new ConfigException("secret", null,
                    "required: résumé pushes are signed with it. Set 'secret' or 'secretFile', or list static 'workers' to pull from,"
                            + " or set insecure=true to accept unsigned pushes");
        }
        return new ProxySettings(classifier, classifierFingerprint, previousClassifier, runtime, secret, insecure, workers, pullInterval, workerTtl, maxSkew,
                retryMethods, maxRetries, queueTimeout, maxQueued, singleVersion, prefix, adminAllow, settingsFile, maxClasses,
                slowStart, sticky, workerLoadReport, edge, boundaries, admission, fleet, Map.copyOf(jetty), s.inForce(),
                s.unknownSettings(SettingNames.PROXY));
    }

    public String policy() {
        return runtime.policy();
    }

    static Set<String> methods(String v) {
        Set<String> methods = Arrays.stream(v.split(","))
                .map(String::trim)
                .filter(m -> !m.isEmpty())
                .map(m -> m.toUpperCase(Locale.ROOT))
                .collect(Collectors.toUnmodifiableSet());
        for (String m : methods) {
            if (!m.matches("[A-Z]+")) {
                throw new IllegalArgumentException("'" + m + "' is not an HTTP method");
            }
        }
        return methods;
    }
}
