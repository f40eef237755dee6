package org.resumelb.proxy;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Clock;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;

import org.resumelb.agent.Log;
import org.resumelb.agent.config.ConfigException;
import org.resumelb.agent.discovery.Discovery;
import org.resumelb.agent.resume.ResumeCodec;
import org.resumelb.agent.resume.ResumeLimits;
import org.resumelb.proxy.operations.RuntimeSettings;
import org.resumelb.proxy.membership.DiscoveredWorkers;
import org.resumelb.proxy.membership.ResumeReceiver;
import org.resumelb.proxy.membership.Readmission;
import org.resumelb.proxy.membership.StaticWorkerPuller;
import org.resumelb.proxy.membership.WorkerProbe;
import org.resumelb.proxy.membership.WorkerDirectory;
import org.resumelb.proxy.operations.Admin;
import org.resumelb.proxy.operations.ClassCounts;
import org.resumelb.proxy.operations.Operations;
import org.resumelb.proxy.operations.OperationsEndpoints;
import org.resumelb.proxy.operations.ProxyMetrics;
import org.resumelb.proxy.operations.StatusPage;
import org.resumelb.proxy.pool.SwitchablePool;
import org.resumelb.proxy.route.AdmissionQueue;
import org.resumelb.proxy.route.ForwardedHeaders;
import org.resumelb.proxy.route.RetryPolicy;
import org.resumelb.proxy.route.Router;
import org.resumelb.proxy.route.WaitingRoom;

/**
 * The load balancer without HTTP plumbing: every part built from the
 * settings and wired together, started and stopped as one. The servlet
 * creates one in {@code init} and closes it in {@code destroy}; tests, the
 * demo and the benchmarks build one directly.
 *
 * <pre>
 *   résumé pushes ──▶ ResumeReceiver ──▶ WorkerDirectory ──▶ SwitchablePool (policy)
 *   static workers ──▶ StaticWorkerPuller ──┘   ▲    │ joins        ▲ acquire / release
 *   ejected and https workers' pushes ─▶ Readmission ─┘ (once the worker answers a probe)
 *   ZooKeeper (optional): a worker's node gone ─▶ DiscoveredWorkers ─▶ WorkerDirectory.left;
 *     settings node ─▶ Admin.fromNode (as an admin call); this load balancer's lbUrl registered
 *                                                    ▼              │
 *   client request ──▶ Router (classify, lease) ◀── WaitingRoom     │
 *                        │  └─ AdmissionQueue (maxBacklog) ─────────┤
 *                        └──────────────────────────────────────────┘
 *   operations: Operations ─▶ OperationsEndpoints ─▶ StatusPage, ProxyMetrics, Admin
 * </pre>
 *
 * <p>Thread-safety: every part is thread-safe on its own (each states its
 * contract); this class only holds final references to them after
 * construction, so it is safely shared.
 */
public final class LoadBalancer implements AutoCloseable {

    private static final Log LOG = Log.get(LoadBalancer.class);

    private final ProxySettings settings;
    private final SwitchablePool pool;
    private final WorkerDirectory directory;
    private final ResumeReceiver receiver;
    private final Admin admin;
    private final ProxyMetrics metrics;
    private final ClassCounts classCounts;
    private final StatusPage statusPage;
    private final Router router;
    private final WaitingRoom waitingRoom;
    private final OperationsEndpoints endpoints;
    private final ForwardedHeaders forwardedHeaders;
    private final StaticWorkerPuller puller;
    private final Readmission readmission;
    /** ZooKeeper discovery, or null when {@code zookeeper} is unset. */
    private final Discovery discovery;
    private final DiscoveredWorkers discoveredWorkers;
    /** Timeouts of the waiting room and the static pulls. */
    private final ScheduledThreadPoolExecutor timer;

    /**
     * Builds and starts a load balancer.
     *
     * @throws ConfigException when the settings file holds invalid settings (naming the file and the setting)
     */
    public static LoadBalancer start(ProxySettings settings) {
        return new LoadBalancer(settings, Clock.systemUTC());
    }

    private LoadBalancer(ProxySettings settings, Clock clock) {
        this.settings = settings;
        RuntimeSettings runtime = runtimeSettings(settings);
        ResumeCodec codec = new ResumeCodec(ResumeLimits.DEFAULT);
        ProxySettings.Boundaries boundaries = settings.boundaries();
        pool = new SwitchablePool(runtime.policy(), runtime.pool(), boundaries.classBudget(), settings.slowStart());
        ProxySettings.Admission admission = settings.admission();
        pool.backlogLimit(admission.maxBacklog(), admission.reservedBacklog());
        directory = new WorkerDirectory(pool, settings.workerTtl(), settings.maxSkew(), clock, settings.singleVersion(),
                boundaries.maxWorkers(), boundaries.maxDeparted());
        receiver = new ResumeReceiver(codec, settings.secret(), settings.insecure(), directory, boundaries.workerAllow());
        forwardedHeaders = new ForwardedHeaders(boundaries.trustedProxies());
        admin = new Admin(settings.secret(), settings.maxSkew(), clock, pool, directory, settings.settingsFile(), runtime);
        timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = Executors.defaultThreadFactory().newThread(r);
            t.setName("resumelb-timer");
            t.setDaemon(true);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true);
        readmission = new Readmission(new WorkerProbe(settings.edge().connectTimeout(), boundaries.workerTls()), timer,
                settings.workerTtl());
        directory.readmitThrough(readmission);
        directory.classifierFingerprint(settings.classifierFingerprint());
        if (settings.previousClassifier() != null) {
            directory.previousClassifierFingerprint(settings.previousClassifier().fingerprint());
        }
        waitingRoom = new WaitingRoom(settings.queueTimeout(), settings.maxQueued(), timer, () -> pool.size() > 0);
        directory.onJoin(waitingRoom::open);
        metrics = new ProxyMetrics(pool, directory, receiver, waitingRoom::waiting);
        classCounts = new ClassCounts(settings.maxClasses());
        router = new Router(settings.classifier(), pool, directory, metrics, classCounts,
                new RetryPolicy(settings.retryMethods(), settings.maxRetries()), settings.sticky(),
                admission.on() ? new AdmissionQueue.Limits(settings.maxQueued(), admission.maxQueuedPerUser(), settings.queueTimeout(),
                        admission.userReserve()) : null,
                timer);
        if (settings.previousClassifier() != null) {
            router.previousClassifier(settings.previousClassifier().classifier());
        }
        if (router.admission() != null) {
            metrics.admission(router.admission());
            directory.onJoin(router.admission()::pump);
        }
        statusPage = new StatusPage(pool, directory, metrics, classCounts, receiver, router::oldestInFlight, this::settingsInForce,
                waitingRoom::waiting, clock);
        endpoints = new OperationsEndpoints(new Operations(settings.prefix(), boundaries.statusAllow(), settings.adminAllow(),
                boundaries.trustedProxies()), statusPage, metrics, admin, receiver);
        if (settings.workers().isEmpty()) {
            puller = null;
        } else {
            puller = new StaticWorkerPuller(settings.workers(), settings.pullInterval(), directory, codec, boundaries.workerTls());
            puller.start(timer);
        }
        if (settings.fleet().on()) {
            discoveredWorkers = new DiscoveredWorkers(directory);
            try {
                discovery = Discovery.open(settings.fleet().zookeeper());
            } catch (RuntimeException e) {
                closeParts();
                throw e;
            }
            String node = settings.fleet().zookeeper().root() + "/" + Discovery.SETTINGS_NODE;
            discovery.watchSettings(body -> {
                if (body != null) {
                    admin.fromNode(body, "ZooKeeper node " + node);
                }
            });
            discovery.watchMembers(Discovery.Role.WORKER, discoveredWorkers::update);
            discovery.register(Discovery.Role.LOAD_BALANCER, new Discovery.Member(settings.fleet().lbUrl().toString(), null));
        } else {
            discovery = null;
            discoveredWorkers = null;
        }
        if (settings.secret() == null && settings.insecure()) {
            LOG.warn("ResumeLB: INSECURE MODE, unsigned résumé pushes are accepted: anyone who reaches {}/resumes can steer traffic",
                    settings.prefix());
        }
    }

    /** The run-time settings: web.xml's, overridden by the settings file when there is one. */
    private static RuntimeSettings runtimeSettings(ProxySettings settings) {
        RuntimeSettings runtime = settings.runtime();
        if (settings.settingsFile() == null || !Files.exists(settings.settingsFile())) {
            return runtime;
        }
        try {
            RuntimeSettings saved = runtime.load(settings.settingsFile());
            LOG.warn("ResumeLB run-time settings from {} override web.xml: {}", settings.settingsFile(), saved.asMap());
            return saved;
        } catch (IOException | IllegalArgumentException e) {
            String problem = e instanceof IllegalArgumentException && e.getCause() != null ? e.getCause().getMessage() : e.toString();
            throw new ConfigException("settingsFile", settings.settingsFile().toString(), problem
                    + " (fix or remove the file; its previous version is " + RuntimeSettings.backup(settings.settingsFile()) + ")");
        }
    }

    /** The settings in force: those read at start, with the run-time ones as they are now. */
    public Map<String, Object> settingsInForce() {
        Map<String, Object> all = new TreeMap<>(settings.inForce());
        all.putAll(admin.inForce().asMap());
        all.put("settingsFile", settings.settingsFile() == null ? null : settings.settingsFile().toString());
        Admin.Change change = admin.lastChange();
        if (change.source() != null) {
            all.put("settingsChangedBy", change.source() + " at " + java.time.Instant.ofEpochMilli(change.atMillis()));
        }
        if (change.lastError() != null) {
            all.put("settingsRefused", change.lastError() + " at " + java.time.Instant.ofEpochMilli(change.errorAtMillis()));
        }
        if (discovery != null) {
            all.put("zookeeperState", discovery.describe() + ", " + discoveredWorkers.registered().size()
                    + " workers registered, " + discoveredWorkers.dropped() + " dropped when their node went");
        }
        return all;
    }

    public ProxySettings settings() {
        return settings;
    }

    public SwitchablePool pool() {
        return pool;
    }

    public WorkerDirectory directory() {
        return directory;
    }

    public ResumeReceiver receiver() {
        return receiver;
    }

    public Admin admin() {
        return admin;
    }

    public ProxyMetrics metrics() {
        return metrics;
    }

    public StatusPage statusPage() {
        return statusPage;
    }

    public Router router() {
        return router;
    }

    public WaitingRoom waitingRoom() {
        return waitingRoom;
    }

    public OperationsEndpoints endpoints() {
        return endpoints;
    }

    /** The forwarding headers of proxied requests (X-Forwarded-*, Forwarded), decided by {@code trustedProxies}. */
    public ForwardedHeaders forwardedHeaders() {
        return forwardedHeaders;
    }

    /** The load balancer's timer (one daemon thread) for short scheduled checks; tasks must not block. */
    public java.util.concurrent.ScheduledExecutorService timer() {
        return timer;
    }

    /** ZooKeeper discovery, or null when {@code zookeeper} is unset. */
    public Discovery discovery() {
        return discovery;
    }

    /** Leaves ZooKeeper, stops pulling, turns waiting requests away and forgets every worker. */
    @Override
    public void close() {
        if (discovery != null) {
            discovery.close();
        }
        closeParts();
    }

    private void closeParts() {
        if (puller != null) {
            puller.close();
        }
        waitingRoom.close();
        if (router.admission() != null) {
            router.admission().close();
        }
        readmission.close();
        directory.close();
        timer.shutdownNow();
    }
}
