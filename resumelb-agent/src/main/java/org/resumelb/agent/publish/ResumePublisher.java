package org.resumelb.agent.publish;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.resumelb.agent.Log;
import org.resumelb.agent.protocol.Protocol;
import org.resumelb.agent.resume.Resume;
import org.resumelb.agent.resume.ResumeCodec;
import org.resumelb.agent.resume.ResumeFile;
import org.resumelb.agent.skill.SkillTracker;

/**
 * Pushes the worker's résumé to every configured load balancer
 * ({@code POST {lb}{prefix}/resumes}, {@code prefix} by default
 * {@link Protocol#DEFAULT_PREFIX}, signed with HMAC-SHA256: {@link Protocol}).
 *
 * <p>Every résumé it sends, saves or hands out ({@link #current}) is first
 * fitted to the load balancer's limits by a {@link ResumeTrimmer} (the codec's
 * {@link org.resumelb.agent.resume.ResumeLimits}): the best-scored classes are
 * kept, and the first time a résumé has to be trimmed the publisher logs it,
 * with the counts, once.
 *
 * <p>When it publishes: after every {@code history} requests (the tracker
 * says so and the request thread calls {@link #publishSoon()}), when
 * {@code resumeInterval} has passed with new requests counted, and at least
 * every {@code heartbeat} even with nothing new, so that a restarted load
 * balancer relearns the worker within one heartbeat. Each load balancer has its
 * own state: a push that fails puts that balancer in exponential backoff (1 s
 * doubling up to {@code maxBackoff}) and it gets a fresh résumé when the
 * backoff ends; the others are not held up. {@code seq} is strictly increasing
 * for the process id {@link #id()}.
 *
 * <p><b>Concurrency contract.</b> Request threads only ever call
 * {@link #publishSoon()}, which sets a flag and, at most once until the next
 * tick, hands a task to the publisher's single scheduler thread: they never
 * block and never do I/O. All decisions and state changes happen on that one
 * thread; HTTP completions (on the HTTP client's threads) touch only the
 * per-balancer atomics. {@link #close()} is idempotent and may be called from
 * any thread.
 *
 * <p><b>Load balancers learned at run time</b> ({@link #loadBalancers}, from
 * ZooKeeper): the set of targets is an immutable list behind a volatile
 * reference, replaced as a whole under a lock by {@link #loadBalancers} (any
 * thread; calls are serialized, the last one wins). A balancer in both the old
 * and the new set keeps its state (backoff, counts); a new one gets a résumé at
 * the next tick, without waiting for the next heartbeat; one that is gone is
 * pushed to no more (a push in flight to it completes on its own state, which
 * nobody reads any more). The scheduler thread reads the reference once per
 * tick, so one tick never sees half a change. The {@code lbs} of the options
 * are always kept.
 */
public final class ResumePublisher implements AutoCloseable {

    private static final Log LOG = Log.get(ResumePublisher.class);
    private static final Duration MIN_BACKOFF = Duration.ofSeconds(1);

    /**
     * What the publisher needs to know; validated by the caller's settings.
     * {@code prefix} is the load balancers' endpoint path ({@code {lb}{prefix}/resumes});
     * {@code weight} is announced in every résumé ({@link Resume#weight()}).
     *
     * @throws IllegalArgumentException for a weight a résumé may not carry ({@link Resume#validWeight})
     */
    public record Options(List<URI> lbs, byte[] secret, String workerUrl, String version,
                          Duration resumeInterval, Duration heartbeat, Duration timeout,
                          Duration maxBackoff, Path resumeFile, String prefix, double weight) {
        public Options {
            lbs = List.copyOf(lbs);
            Objects.requireNonNull(prefix, "prefix");
            Objects.requireNonNull(resumeInterval, "resumeInterval");
            Objects.requireNonNull(heartbeat, "heartbeat");
            Objects.requireNonNull(timeout, "timeout");
            Objects.requireNonNull(maxBackoff, "maxBackoff");
            Resume.checkWeight(weight);
        }

        /** With the weight {@link Resume#DEFAULT_WEIGHT}. */
        public Options(List<URI> lbs, byte[] secret, String workerUrl, String version, Duration resumeInterval, Duration heartbeat,
                       Duration timeout, Duration maxBackoff, Path resumeFile, String prefix) {
            this(lbs, secret, workerUrl, version, resumeInterval, heartbeat, timeout, maxBackoff, resumeFile, prefix,
                    Resume.DEFAULT_WEIGHT);
        }

        /** With the default prefix, {@link Protocol#DEFAULT_PREFIX}, and the weight {@link Resume#DEFAULT_WEIGHT}. */
        public Options(List<URI> lbs, byte[] secret, String workerUrl, String version, Duration resumeInterval, Duration heartbeat,
                       Duration timeout, Duration maxBackoff, Path resumeFile) {
            this(lbs, secret, workerUrl, version, resumeInterval, heartbeat, timeout, maxBackoff, resumeFile, Protocol.DEFAULT_PREFIX);
        }
    }

    /** One load balancer's push state. */
    private static final class Target {
        final URI lb;
        final URI endpoint;
        final AtomicBoolean inFlight = new AtomicBoolean();
        volatile boolean failing;
        volatile long nextAttemptMillis;
        volatile long backoffMillis;
        final AtomicLong accepted = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        volatile String lastProblem;
        /** Not pushed to yet: gets a résumé at the next tick. */
        volatile boolean fresh = true;

        Target(URI lb, String prefix) {
            this.lb = lb;
            this.endpoint = URI.create(lb.toString() + Protocol.resumesPath(prefix));
        }
    }

    private final Options options;
    private final SkillTracker tracker;
    private final ResumeTrimmer trimmer;
    private final AtomicBoolean trimLogged = new AtomicBoolean();
    private final AtomicLong trimmed = new AtomicLong();
    private final Clock clock;
    private final String id;
    private final AtomicLong seq = new AtomicLong();
    /** Immutable; replaced as a whole by {@link #loadBalancers} under {@link #targetsLock}. */
    private volatile List<Target> targets;
    private final Object targetsLock = new Object();
    private final AtomicBoolean publishRequested = new AtomicBoolean();
    private final AtomicBoolean tickScheduled = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final ScheduledExecutorService scheduler;
    private final ExecutorService httpExecutor;
    private final HttpClient http;

    // Touched only by the scheduler thread.
    private long lastPublishMillis;
    private long generationAtLastPublish = -1;
    private long generationAtLastSave = -1;

    public ResumePublisher(Options options, SkillTracker tracker, ResumeCodec codec, Clock clock) {
        this.options = options;
        this.tracker = tracker;
        this.trimmer = new ResumeTrimmer(codec);
        this.clock = clock;
        this.id = newId(options.workerUrl());
        List<Target> initial = new ArrayList<>();
        for (URI lb : options.lbs()) {
            initial.add(new Target(lb, options.prefix()));
        }
        this.targets = List.copyOf(initial);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(daemonThreads("resumelb-publisher"));
        this.httpExecutor = Executors.newFixedThreadPool(2, daemonThreads("resumelb-push"));
        this.http = HttpClient.newBuilder()
                .connectTimeout(options.timeout())
                .executor(httpExecutor)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    private static String newId(String workerUrl) {
        byte[] random = new byte[8];
        new SecureRandom().nextBytes(random);
        String base = workerUrl == null ? "worker" : workerUrl.replaceFirst("^https?://", "");
        return base + "#" + HexFormat.of().formatHex(random);
    }

    private static ThreadFactory daemonThreads(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Starts the periodic ticks and sends a first résumé at once. */
    public void start() {
        long tick = Math.max(50, Math.min(1000, Math.min(options.resumeInterval().toMillis(), options.heartbeat().toMillis()) / 4));
        publishRequested.set(true);
        scheduler.scheduleWithFixedDelay(this::tickSafely, 0, tick, TimeUnit.MILLISECONDS);
    }

    /** The process id carried in every résumé. */
    public String id() {
        return id;
    }

    /** Called by a request thread that completed a history window: never blocks. */
    public void publishSoon() {
        publishRequested.set(true);
        tickSoon();
    }

    /** Hands a tick to the scheduler thread unless one is already scheduled: never blocks. */
    private void tickSoon() {
        if (!closed.get() && tickScheduled.compareAndSet(false, true)) {
            try {
                scheduler.execute(this::tickSafely);
            } catch (RuntimeException rejected) {
                tickScheduled.set(false);
            }
        }
    }

    /**
     * The current résumé without consuming a sequence number (for
     * {@code GET {prefix}/resume}), fitted to the load balancer's limits, with its body.
     */
    public ResumeTrimmer.Fitted current(String workerUrl) {
        return fitted(resume(workerUrl, seq.get(), closed.get()));
    }

    /** Résumés that had to be trimmed so far (pushed, saved or served). */
    public long trimmedResumes() {
        return trimmed.get();
    }

    /** The endpoint each load balancer is pushed to, {@code {lb}{prefix}/resumes}. */
    public List<URI> endpoints() {
        return targets.stream().map(t -> t.endpoint).toList();
    }

    /**
     * Pushes from now on to the configured {@code lbs} and {@code discovered}
     * (their base URLs, as {@code lb} takes them): see the class comment for
     * what a change keeps. Any thread; never blocks on I/O.
     */
    public void loadBalancers(java.util.Collection<URI> discovered) {
        synchronized (targetsLock) {
            Map<URI, Target> old = new java.util.HashMap<>();
            for (Target t : targets) {
                old.put(t.lb, t);
            }
            java.util.LinkedHashSet<URI> wanted = new java.util.LinkedHashSet<>(options.lbs());
            wanted.addAll(discovered);
            List<Target> next = new ArrayList<>(wanted.size());
            for (URI lb : wanted) {
                Target t = old.get(lb);
                next.add(t != null ? t : new Target(lb, options.prefix()));
            }
            targets = List.copyOf(next);
        }
        tickSoon();
    }

    private ResumeTrimmer.Fitted fitted(Resume r) {
        ResumeTrimmer.Fitted f = trimmer.fit(r);
        if (f.trimmed()) {
            trimmed.incrementAndGet();
            if (trimLogged.compareAndSet(false, true)) {
                String advice = f.droppedForCount() > 0 ? "lower maxClasses to at most " + trimmer.limits().maxClasses()
                        : f.droppedForSize() > 0 ? "use a classifier that makes fewer or shorter class names"
                        : "check the classifier, which makes names the load balancer refuses";
                LOG.warn("ResumeLB trims its résumé to the load balancer's limits ({} classes, names of at most {} characters,"
                        + " {} bytes): {} classes -> {} kept, the best-scored; dropped {} beyond the class limit, {} for the size,"
                        + " {} with an unacceptable name or score ({} bytes sent). To send them all, {}. Logged once; later"
                        + " résumés are trimmed alike", trimmer.limits().maxClasses(), trimmer.limits().maxClassNameLength(),
                        trimmer.limits().maxBodyBytes(), f.classesBefore(), f.classesKept(), f.droppedForCount(),
                        f.droppedForSize(), f.droppedInvalid(), f.body().length, advice);
            }
        }
        return f;
    }

    private void tickSafely() {
        tickScheduled.set(false);
        try {
            tick();
        } catch (RuntimeException | Error e) {
            LOG.error("ResumeLB publisher tick failed", e);
        }
    }

    private void tick() {
        if (closed.get()) {
            return;
        }
        long now = clock.millis();
        long gen = tracker.generation();
        boolean changed = gen != generationAtLastPublish;
        boolean due = publishRequested.get()
                || (changed && now - lastPublishMillis >= options.resumeInterval().toMillis())
                || now - lastPublishMillis >= options.heartbeat().toMillis();
        byte[] body = null;
        List<Target> targets = this.targets;
        for (Target t : targets) {
            boolean wanted = due || t.failing || t.fresh;
            if (!wanted || now < t.nextAttemptMillis || t.inFlight.get()) {
                continue;
            }
            if (body == null) {
                body = next(false).body();
            }
            send(t, body);
        }
        if (due && (body != null || targets.isEmpty())) {
            publishRequested.set(false);
            lastPublishMillis = now;
            generationAtLastPublish = gen;
        }
        if (options.resumeFile() != null && gen != generationAtLastSave && (due || targets.isEmpty())) {
            save(gen);
        }
    }

    private ResumeTrimmer.Fitted next(boolean draining) {
        return fitted(resume(options.workerUrl(), seq.incrementAndGet(), draining));
    }

    private Resume resume(String workerUrl, long seq, boolean draining) {
        SkillTracker.Snapshot skills = tracker.snapshot();
        return new Resume(workerUrl, id, options.version(), seq, clock.millis(), draining, skills.skills(), options.weight(),
                skills.classifier());
    }

    private void save(long gen) {
        try {
            ResumeFile.save(options.resumeFile(), next(false).body());
            generationAtLastSave = gen;
        } catch (IOException | RuntimeException e) {
            LOG.warn("ResumeLB could not save the résumé file {}: {}", options.resumeFile(), e.toString());
        }
    }

    private CompletableFuture<Void> send(Target t, byte[] body) {
        t.inFlight.set(true);
        t.fresh = false;
        HttpRequest.Builder request = HttpRequest.newBuilder(t.endpoint)
                .timeout(options.timeout())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (options.secret() != null) {
            request.header(Protocol.SIGNATURE_HEADER, Protocol.sign(options.secret(), body));
        }
        return http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString())
                .handle((response, failure) -> {
                    try {
                        if (failure != null) {
                            failed(t, failure.getCause() != null ? failure.getCause().toString() : failure.toString());
                        } else if (response.statusCode() / 100 == 2) {
                            succeeded(t);
                        } else {
                            failed(t, "HTTP " + response.statusCode() + " " + abbreviate(response.body()));
                        }
                    } finally {
                        t.inFlight.set(false);
                    }
                    return null;
                });
    }

    private void succeeded(Target t) {
        t.accepted.incrementAndGet();
        if (t.failing) {
            LOG.info("ResumeLB push to {} works again after {} failures", t.lb, t.failed.get());
        }
        t.failing = false;
        t.backoffMillis = 0;
        t.nextAttemptMillis = 0;
    }

    private void failed(Target t, String problem) {
        t.failed.incrementAndGet();
        long backoff = t.backoffMillis == 0 ? MIN_BACKOFF.toMillis() : Math.min(t.backoffMillis * 2, options.maxBackoff().toMillis());
        t.backoffMillis = backoff;
        t.nextAttemptMillis = clock.millis() + backoff;
        if (!t.failing || !problem.equals(t.lastProblem)) {
            LOG.warn("ResumeLB push to {} failed: {}; retrying in {} ms", t.lb, problem, backoff);
        }
        t.lastProblem = problem;
        t.failing = true;
    }

    private static String abbreviate(String s) {
        if (s == null) {
            return "";
        }
        String oneLine = s.replaceAll("\\s+", " ").trim();
        return oneLine.length() > 200 ? oneLine.substring(0, 200) + "…" : oneLine;
    }

    /** Per load balancer: pushes accepted and failed, whether it is failing now. For status and tests. */
    public Map<URI, long[]> pushCounts() {
        Map<URI, long[]> counts = new java.util.LinkedHashMap<>();
        for (Target t : this.targets) {
            counts.put(t.lb, new long[] {t.accepted.get(), t.failed.get(), t.failing ? 1 : 0});
        }
        return counts;
    }

    /**
     * Tells every load balancer that this worker is draining (waiting at most
     * {@code timeout} for their answers), saves the résumé file, and stops the
     * publisher's threads.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        scheduler.shutdown();
        try {
            scheduler.awaitTermination(options.timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (options.resumeFile() != null) {
            save(tracker.generation());
        }
        List<Target> targets = this.targets;
        if (!targets.isEmpty()) {
            byte[] body = next(true).body();
            List<CompletableFuture<Void>> sent = new ArrayList<>();
            for (Target t : targets) {
                sent.add(send(t, body));
            }
            try {
                CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new))
                        .get(options.timeout().toMillis() + 500, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                LOG.warn("ResumeLB could not tell every load balancer it is draining: {}", e.toString());
            }
        }
        httpExecutor.shutdownNow();
    }
}
