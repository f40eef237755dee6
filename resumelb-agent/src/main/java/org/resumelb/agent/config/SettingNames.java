package org.resumelb.agent.config;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The names of the settings each side of ResumeLB reads: the one place these
 * sets are written. {@link Settings#unknownSettings} warns about any other
 * name found in a source, and the modules' tests check that the names a side
 * actually asks for ({@link Settings#asked()}) are exactly these, so the lists
 * cannot drift from the code.
 *
 * <p>System properties and environment variables are shared by the filter and
 * the proxy when both run in one JVM, so for those a name is unknown only when
 * it is in neither list ({@link #ALL}). All sets are immutable and iterate in
 * the order written here.
 */
public final class SettingNames {

    /** What {@code org.resumelb.filter.WorkerSettings} reads. */
    public static final Set<String> FILTER = names(
            "lb", "workerUrl", "secret", "secretFile", "insecure", "history", "maxSkillAge", "maxClasses",
            "resumeInterval", "heartbeat", "pushTimeout", "maxBackoff", "resumeFile", "classifier", "version", "traceLogger",
            "prefix", "trustedLbs", "resumeAllow", "weight",
            "zookeeper", "zookeeperPath", "zookeeperSessionTimeout");

    /**
     * Jetty's {@code ProxyServlet} init-params: validated and passed through by
     * {@code ProxySettings}, except {@link #JETTY_ONLY}.
     */
    public static final Set<String> JETTY = names(
            "timeout", "idleTimeout", "maxConnections", "preserveHost", "maxThreads", "hostHeader", "viaHost", "selectors",
            "requestBufferSize", "responseBufferSize", "maxRequestHeadersSize", "maxResponseHeadersSize", "whiteList", "blackList");

    /** The Jetty {@code ProxyServlet} init-params that Jetty alone reads, from the servlet's init-params. */
    public static final Set<String> JETTY_ONLY = names("whiteList", "blackList");

    /**
     * What the proxy reads: {@code ProxySettings} (with {@code RuntimeSettings}'
     * run-time settings) and Jetty's {@code ProxyServlet} ({@link #JETTY}).
     */
    public static final Set<String> PROXY = union(names(
            "classifier", "classifierFingerprint", "previousClassifier", "policy", "variance", "unskilledScore", "backlogHistory", "hashBalanceFactor",
            "secret", "secretFile", "insecure", "workers", "pullInterval", "workerTtl", "maxSkew", "retryMethods", "maxRetries",
            "queueTimeout", "maxQueued", "singleVersion", "prefix", "adminAllow", "settingsFile", "maxClasses", "sticky",
            "requestBuffer", "responseBuffer", "connectTimeout", "clientBodyTimeout", "minClientDataRate",
            "trustedProxies", "statusAllow", "workerAllow", "workerTrustStore", "workerTrustStorePassword",
            "workerTrustStorePasswordFile", "maxWorkers", "maxDeparted", "classBudget", "slowStart",
            "maxBacklog", "reservedBacklog", "maxQueuedPerUser", "userKey", "priority",
            "zookeeper", "zookeeperPath", "zookeeperSessionTimeout", "lbUrl", "workerLoadReport", "userReserve"), JETTY);

    /** Every name either side reads: what a shared source (system properties, environment) may hold. */
    public static final Set<String> ALL = union(FILTER, PROXY);

    private SettingNames() {
    }

    private static Set<String> names(String... names) {
        Set<String> set = new LinkedHashSet<>(List.of(names));
        if (set.size() != names.length) {
            throw new IllegalStateException("a name is listed twice");
        }
        return Collections.unmodifiableSet(set);
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> set = new LinkedHashSet<>(a);
        set.addAll(b);
        return Collections.unmodifiableSet(set);
    }
}
