package org.resumelb.filter;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.resumelb.agent.classify.RequestClasses;
import org.resumelb.agent.classify.RequestClassifier;
import org.resumelb.agent.config.ConfigException;
import org.resumelb.agent.config.SettingNames;
import org.resumelb.agent.discovery.Discovery;
import org.resumelb.agent.config.Settings;
import org.resumelb.agent.net.AddressList;
import org.resumelb.agent.protocol.Protocol;
import org.resumelb.agent.resume.Resume;

/**
 * The worker side's settings (README, "The filter"), read and
 * validated once at start-up. An invalid value throws {@link ConfigException}
 * naming the setting, the value and what is accepted.
 *
 * @param lbs            load balancers to push to ({@code lb}); empty: no pushes
 * @param workerUrl      the URL the load balancers forward to, placeholders resolved; null if unset
 * @param secret         shared HMAC secret, or null
 * @param insecure       explicitly allowed to push unsigned résumés
 * @param history        requests per résumé update
 * @param maxSkillAge    requests without a hit after which a class is dropped
 * @param maxClasses     most classes tracked
 * @param resumeInterval publish after this long when something changed
 * @param heartbeat      re-send at least this often
 * @param pushTimeout    connect and answer timeout of one push
 * @param maxBackoff     longest wait between failed pushes to one balancer
 * @param resumeFile     where the résumé survives restarts, or null
 * @param classifier     the classifier used when no class header came
 * @param version        the application version reported, or null
 * @param traceLogger    logger name of the per-request trace records, or null when off
 * @param prefix         the path of ResumeLB's endpoints: the worker's résumé is
 *                       {@code {prefix}/resume}, pushes go to {@code {lb}{prefix}/resumes}
 * @param trustedLbs     addresses (besides those the {@code lb} hosts resolve to) whose
 *                       {@code X-ResumeLB-Class} header is honoured: load balancers that pull,
 *                       or reach the worker from another address than their URL's (NAT)
 * @param resumeAllow    addresses (besides loopback and the load balancers) that may read
 *                       {@code GET {prefix}/resume}; {@code *} for everyone
 * @param weight         the share of the load this worker asks for, relative to the other
 *                       workers, announced in its résumé ({@link Resume#weight()})
 * @param zookeeper      where the worker registers and learns its load balancers
 *                       ({@code zookeeper}, {@code zookeeperPath}, {@code zookeeperSessionTimeout}),
 *                       or null when {@code zookeeper} is unset
 * @param inForce        the settings in force, secrets masked
 * @param unknownSettings warnings, one a line, about the names found in the
 *                       settings' sources that no setting of the filter reads
 *                       ({@link Settings#unknownSettings}); no values shown
 */
public record WorkerSettings(List<URI> lbs, String workerUrl, byte[] secret, boolean insecure,
                             int history, int maxSkillAge, int maxClasses,
                             Duration resumeInterval, Duration heartbeat, Duration pushTimeout, Duration maxBackoff,
                             Path resumeFile, RequestClassifier classifier, String version, String traceLogger,
                             String prefix, AddressList trustedLbs, AddressList resumeAllow, double weight,
                             Discovery.Config zookeeper, Map<String, String> inForce, List<String> unknownSettings) {

    /** What {@code prefix} accepts: the same paths as the load balancer's own {@code prefix} setting. */
    static final String PREFIX_PATTERN = "/[A-Za-z0-9._~-]+(/[A-Za-z0-9._~-]+)*";

    /** The value of {@code weight} that stands for this JVM's available processors. */
    static final String PROCESSORS = "processors";

    /**
     * Reads and validates the filter's settings from {@code s}, and lists the
     * names its sources hold that the filter does not read
     * ({@link SettingNames#FILTER}).
     *
     * @throws ConfigException naming the setting, the value and what is
     *     accepted, and adding the warnings about unknown names (a misspelled
     *     name is often why a setting is missing)
     */
    public static WorkerSettings read(Settings s, String contextPath) {
        try {
            return readChecked(s, contextPath);
        } catch (ConfigException e) {
            throw e.withWarnings(s.unknownSettings(SettingNames.FILTER));
        }
    }

    private static WorkerSettings readChecked(Settings s, String contextPath) {
        List<URI> lbs = s.urls("lb");
        Discovery.Config zookeeper = Discovery.config(s);
        boolean pushes = !lbs.isEmpty() || zookeeper != null;
        String when = zookeeper != null && lbs.isEmpty() ? "'zookeeper'" : "'lb'";
        String workerUrl = s.string("workerUrl", null);
        if (workerUrl != null) {
            String resolved = workerUrl.replace("${hostname}", hostname()).replace("${contextPath}", contextPath == null ? "" : contextPath);
            workerUrl = Settings.httpUrl("workerUrl", resolved).toString();
        } else if (pushes) {
            throw new ConfigException("workerUrl", null, "required when " + when
                    + " is set: the URL the load balancer forwards to, e.g. http://${hostname}:8080${contextPath}");
        }
        byte[] secret = s.secret();
        boolean insecure = s.bool("insecure", false);
        if (secret == null && pushes && !insecure) {
            throw new ConfigException("secret", null, "required when " + when
                    + " is set (résumé pushes are signed); set 'secret' or 'secretFile', or insecure=true to push unsigned");
        }
        int history = s.integer("history", 100, 2, 1_000_000);
        int maxSkillAge = s.integer("maxSkillAge", history * 10, 1, Integer.MAX_VALUE);
        int maxClasses = s.integer("maxClasses", 1000, 1, 100_000);
        Duration resumeInterval = s.duration("resumeInterval", Duration.ofSeconds(5), Duration.ofMillis(50), Duration.ofHours(1));
        Duration heartbeat = s.duration("heartbeat", Duration.ofSeconds(10), Duration.ofMillis(100), Duration.ofHours(1));
        Duration pushTimeout = s.duration("pushTimeout", Duration.ofSeconds(2), Duration.ofMillis(10), Duration.ofMinutes(1));
        Duration maxBackoff = s.duration("maxBackoff", Duration.ofSeconds(30), Duration.ofSeconds(1), Duration.ofHours(1));
        String file = s.string("resumeFile", null);
        Path resumeFile;
        try {
            resumeFile = file == null ? null : Path.of(file);
        } catch (RuntimeException e) {
            throw new ConfigException("resumeFile", file, "not a file path: " + e.getMessage());
        }
        RequestClassifier classifier = s.parsed("classifier", "host", RequestClasses::parse, null);
        String version = s.string("version", null);
        String traceLogger = s.string("traceLogger", null);
        String prefix = s.parsed("prefix", Protocol.DEFAULT_PREFIX, v -> {
            if (!v.matches(PREFIX_PATTERN)) {
                throw new IllegalArgumentException("not a path prefix");
            }
            return v;
        }, "a path like /_resumelb (segments of letters, digits and . _ ~ -), the same as the load balancers' prefix");
        AddressList trustedLbs = s.parsed("trustedLbs", "", AddressList::parse,
                "a comma-separated list of IP addresses and CIDR blocks (10.0.0.7, 10.1.0.0/16, 2001:db8::/32), or *"
                        + " for every address (only if nothing but load balancers can reach this worker)");
        AddressList resumeAllow = s.parsed("resumeAllow", "", AddressList::parse,
                "a comma-separated list of IP addresses and CIDR blocks (10.0.0.0/8, 2001:db8::/32), or * for everyone;"
                        + " loopback and the load balancers are always allowed");
        double weight = s.parsed("weight", "1", WorkerSettings::weight, Resume.WEIGHTS + ", or " + PROCESSORS
                + " (the processors available to this JVM, now " + Runtime.getRuntime().availableProcessors() + ")");
        return new WorkerSettings(lbs, workerUrl, secret, insecure, history, maxSkillAge, maxClasses,
                resumeInterval, heartbeat, pushTimeout, maxBackoff, resumeFile, classifier, version, traceLogger,
                prefix, trustedLbs, resumeAllow, weight, zookeeper, s.inForce(), s.unknownSettings(SettingNames.FILTER));
    }

    /**
     * The {@code weight} setting: a number a résumé may carry ({@link Resume#validWeight}), or
     * {@value #PROCESSORS} (any case) for {@link Runtime#availableProcessors()}, at most {@link Resume#MAX_WEIGHT}.
     */
    static double weight(String value) {
        if (value.equalsIgnoreCase(PROCESSORS)) {
            return Math.min(Runtime.getRuntime().availableProcessors(), Resume.MAX_WEIGHT);
        }
        double w;
        try {
            w = Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a number");
        }
        if (!Resume.validWeight(w)) {
            throw new IllegalArgumentException("out of range");
        }
        return w;
    }

    static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
