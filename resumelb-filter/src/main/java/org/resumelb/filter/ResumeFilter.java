package org.resumelb.filter;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;

import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.resumelb.agent.Log;
import org.resumelb.agent.classify.RequestClasses;
import org.resumelb.agent.classify.RequestClassifier;
import org.resumelb.agent.classify.ServletRequestView;
import org.resumelb.agent.config.Settings;
import org.resumelb.agent.discovery.Discovery;
import org.resumelb.agent.load.WorkerLoad;
import org.resumelb.agent.protocol.Protocol;
import org.resumelb.agent.publish.ResumePublisher;
import org.resumelb.agent.resume.Resume;
import org.resumelb.agent.resume.ResumeCodec;
import org.resumelb.agent.resume.ResumeFile;
import org.resumelb.agent.resume.ResumeLimits;
import org.resumelb.agent.skill.SkillTracker;

/**
 * The worker side of ResumeLB as a servlet filter: it times every request for
 * its class (the {@code X-ResumeLB-Class} header when a load balancer sent it,
 * else its own classifier), feeds the {@link SkillTracker}, pushes résumés
 * through the {@link ResumePublisher}, and serves the current résumé at
 * {@code GET {prefix}/resume} (default {@code /_resumelb/resume}). An
 * asynchronous request is timed until its {@link AsyncListener#onComplete}. On
 * {@link #destroy()} it tells the load balancers it is draining and stops its
 * threads.
 *
 * <p>Trust ({@link WorkerTrust}): the class header is honoured only from the
 * load balancers (the addresses the {@code lb} hosts resolved to at start, and
 * {@code trustedLbs}); a client that reaches the worker directly cannot shape
 * its résumé. The résumé endpoint answers loopback, the load balancers and
 * {@code resumeAllow}, and 403 to anyone else.
 *
 * <p>With {@code zookeeper} set, the worker registers its URL and version in
 * ZooKeeper and pushes to the load balancers registered there as well as to
 * {@code lb} ({@link Discovery}, the optional {@code resumelb-zookeeper} jar).
 * <p>Load report ({@link WorkerLoad}): every request but the résumé endpoint
 * counts in the worker's requests in flight while it runs; the response to a
 * request that came with {@code X-ResumeLB-Class} (one a load balancer
 * forwarded) carries {@code X-ResumeLB-Load}: the requests in flight, itself
 * included, and their decayed mean, as of when the application starts its
 * response ({@link LoadReportingResponse}), so about when the load balancer
 * reads it.
 *
 * <p>Settings: see {@link WorkerSettings} and the README. Thread-safety: after
 * {@link #init} the fields are read-only; the tracker and publisher carry
 * their own contracts.
 */
public class ResumeFilter implements Filter {

    private static final String TIMED = ResumeFilter.class.getName() + ".timed";
    private static final Log LOG = Log.get(ResumeFilter.class);

    private WorkerSettings settings;
    private SkillTracker tracker;
    private RequestClassifier classifier;
    private ResumeCodec codec;
    private ResumePublisher publisher;
    /** ZooKeeper discovery when {@code zookeeper} is set, else null. */
    private Discovery discovery;
    private TraceLog trace;
    private WorkerTrust trust;
    private String resumePath;
    private final WorkerLoad load = new WorkerLoad();

    @Override
    public void init(FilterConfig config) throws ServletException {
        ServletContext context = config.getServletContext();
        Settings source = Settings.forFilter(config);
        try {
            settings = WorkerSettings.read(source, context.getContextPath());
        } catch (IllegalArgumentException e) {
            LOG.error("ResumeLB filter not started: {}", e.getMessage());
            throw new ServletException(e.getMessage(), e);
        }
        for (String warning : settings.unknownSettings()) {
            LOG.warn("{}", warning);
        }
        tracker = new SkillTracker(settings.history(), settings.maxSkillAge(), settings.maxClasses());
        classifier = settings.classifier();
        codec = new ResumeCodec(ResumeLimits.DEFAULT);
        if (settings.resumeFile() != null) {
            Optional<Resume> saved = ResumeFile.load(settings.resumeFile(), codec);
            saved.ifPresent(r -> {
                tracker.restore(r.skills(), r.classifier());
                LOG.info("ResumeLB restored {} skills from {} (classifier fingerprint {})", r.skills().size(), settings.resumeFile(),
                        r.classifier());
            });
        }
        trace = settings.traceLogger() == null ? null : new TraceLog(settings.traceLogger());
        resumePath = Protocol.resumePath(settings.prefix());
        trust = WorkerTrust.resolve(settings.lbs(), settings.trustedLbs(), settings.resumeAllow());
        for (Map.Entry<String, String> failed : trust.unresolved().entrySet()) {
            LOG.warn("ResumeLB could not resolve the load balancer host {} ({}): its X-ResumeLB-Class headers will be ignored"
                    + " until the webapp restarts; list its addresses in trustedLbs", failed.getKey(), failed.getValue());
        }
        LOG.info("ResumeLB: {}", trust.describe(resumePath));
        publisher = new ResumePublisher(new ResumePublisher.Options(settings.lbs(), settings.secret(), settings.workerUrl(),
                settings.version(), settings.resumeInterval(), settings.heartbeat(), settings.pushTimeout(),
                settings.maxBackoff(), settings.resumeFile(), settings.prefix(), settings.weight()), tracker, codec, Clock.systemUTC());
        if (settings.secret() == null && !settings.lbs().isEmpty()) {
            LOG.warn("ResumeLB: INSECURE MODE, résumés are pushed unsigned to {}", settings.lbs());
        }
        publisher.start();
        if (settings.zookeeper() != null) {
            try {
                discovery = Discovery.open(settings.zookeeper());
            } catch (IllegalArgumentException e) {
                publisher.close();
                LOG.error("ResumeLB filter not started: {}", e.getMessage());
                throw new ServletException(e.getMessage(), e);
            }
            discovery.register(Discovery.Role.WORKER, new Discovery.Member(settings.workerUrl(), settings.version()));
            discovery.watchMembers(Discovery.Role.LOAD_BALANCER, this::loadBalancersLearned);
        }
        LOG.info("ResumeLB filter started for {} (weight {}): pushing to {}, settings {}", settings.workerUrl(), settings.weight(),
                settings.lbs(), settings.inForce());
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain) throws IOException, ServletException {
        if (!(req instanceof HttpServletRequest request) || !(res instanceof HttpServletResponse response)) {
            chain.doFilter(req, res);
            return;
        }
        if (resumePath.equals(ServletRequestView.pathInContext(request))) {
            serveResume(request, response);
            return;
        }
        if (request.getAttribute(TIMED) != null) {
            // Registered twice (web.xml and the jar's web-fragment under another name): time once.
            chain.doFilter(request, response);
            return;
        }
        request.setAttribute(TIMED, Boolean.TRUE);
        long start = System.nanoTime();
        String classHeader = request.getHeader(Protocol.CLASS_HEADER); // read once: the class, the classifier and the report
        String classifier = loadBalancerClassifier(request, classHeader);
        String requestClass = classOf(request, classHeader, classifier != null);
        long trno = 0;
        if (trace != null) {
            String query = request.getQueryString();
            trno = trace.begin(request.getMethod(), request.getRequestURI() + (query == null ? "" : "?" + query), requestClass);
            trace.record('I', trno, request.getContentLengthLong());
            trace.record('C', trno, null);
        }
        // Counted out in complete(), whatever happens below; the report only for a load balancer's request, as late as it can be.
        load.enter();
        LoadReportingResponse reporting = classHeader != null ? new LoadReportingResponse(response, load) : null;
        try {
            chain.doFilter(request, reporting != null ? reporting : response);
        } finally {
            if (request.isAsyncStarted()) {
                request.getAsyncContext().addListener(new Completion(requestClass, classifier, start, trno, response));
            } else {
                if (reporting != null) {
                    reporting.report(); // a response without a body: as of now, before this request is counted out
                }
                complete(requestClass, classifier, start, trno, response);
            }
        }
    }

    /**
     * The fingerprint of the classifier a load balancer classified this request
     * with ({@link Protocol#CLASSIFIER_HEADER}, beside its class), or null. A
     * fingerprint other than the one the skills were learned under starts the
     * résumé afresh, once, said in the log and by the résumé's
     * {@code classifier} field, which a load balancer checks.
     */
    private String loadBalancerClassifier(HttpServletRequest request, String classHeader) {
        String fingerprint = request.getHeader(Protocol.CLASSIFIER_HEADER);
        if (fingerprint == null || classHeader == null || !trust.isLoadBalancer(request.getRemoteAddr())) {
            return null;
        }
        String before = tracker.classifier();
        if (fingerprint.equals(before)) {
            return fingerprint; // the usual case: no pattern match on every request
        }
        if (!Protocol.FINGERPRINT.matcher(fingerprint).matches()) {
            return null;
        }
        int forgotten = tracker.adopt(fingerprint);
        if (forgotten >= 0) {
            if (before != null) {
                LOG.info("ResumeLB: the load balancer at {} classifies with classifier {}, this résumé's {} classes were learned"
                        + " under {}: starting a fresh résumé", request.getRemoteAddr(), fingerprint, forgotten, before);
            }
            publisher.publishSoon();
        }
        return fingerprint;
    }

    /**
     * The class a load balancer named in the header, or, when there is no header
     * or it did not come from a load balancer, the filter's own classification.
     */
    private String classOf(HttpServletRequest request, String header, boolean fromLoadBalancer) {
        if (header != null) {
            String remote = request.getRemoteAddr();
            if (fromLoadBalancer || trust.isLoadBalancer(remote)) {
                return RequestClasses.normalize(header);
            }
            if (trust.ignoredClassHeader() == 1) {
                LOG.warn("ResumeLB ignored the {} header of a request from {}, which is not a load balancer, and classified the"
                        + " request itself; if {} is a load balancer (NAT, pull mode), add it to trustedLbs. Logged once; see"
                        + " the start-up line for the trusted addresses", Protocol.CLASS_HEADER, remote, remote);
            }
        }
        return RequestClasses.classify(classifier, ServletRequestView.inContext(request));
    }

    /**
     * Counts a finished request, unless a load balancer classified it under a
     * classifier the tracker has since left (its class means something else now).
     */
    private void complete(String requestClass, String classifier, long startNanos, long trno, HttpServletResponse response) {
        load.exit();
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        if (trace != null) {
            trace.record('A', trno, response.getStatus());
            trace.record('E', trno, seconds);
        }
        if (classifier != null && !classifier.equals(tracker.classifier())) {
            return;
        }
        if (tracker.record(requestClass, seconds)) {
            publisher.publishSoon();
        }
    }

    /** Ends the timing of an asynchronous request when the container completes it. */
    private final class Completion implements AsyncListener {
        private final String requestClass;
        private final String classifier;
        private final long startNanos;
        private final long trno;
        private final HttpServletResponse response;

        Completion(String requestClass, String classifier, long startNanos, long trno, HttpServletResponse response) {
            this.requestClass = requestClass;
            this.classifier = classifier;
            this.startNanos = startNanos;
            this.trno = trno;
            this.response = response;
        }

        @Override
        public void onComplete(AsyncEvent event) {
            complete(requestClass, classifier, startNanos, trno, response);
        }

        @Override
        public void onTimeout(AsyncEvent event) {
        }

        @Override
        public void onError(AsyncEvent event) {
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            // A new async cycle drops earlier listeners: stay registered until the real completion.
            event.getAsyncContext().addListener(this);
        }
    }

    private void serveResume(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String remote = request.getRemoteAddr();
        if (!trust.mayReadResume(remote)) {
            if (trust.refusedResumeRead() == 1) {
                LOG.warn("ResumeLB refused {} {} to {}: only loopback, the load balancers and resumeAllow may read the résumé."
                        + " Logged once", request.getMethod(), resumePath, remote);
            }
            // Says who may ask in general terms, never which addresses.
            byte[] refusal = "this worker's résumé is only for its load balancers\n".getBytes(StandardCharsets.UTF_8);
            response.setStatus(HttpServletResponse.SC_FORBIDDEN);
            response.setContentType("text/plain");
            response.setCharacterEncoding(StandardCharsets.UTF_8.name());
            response.setHeader("Cache-Control", "no-store");
            response.setContentLength(refusal.length);
            if (!"HEAD".equals(request.getMethod())) {
                response.getOutputStream().write(refusal);
            }
            return;
        }
        if (!"GET".equals(request.getMethod()) && !"HEAD".equals(request.getMethod())) {
            response.setHeader("Allow", "GET, HEAD");
            response.sendError(HttpServletResponse.SC_METHOD_NOT_ALLOWED, "only GET and HEAD");
            return;
        }
        String worker = settings.workerUrl() != null ? settings.workerUrl() : ownUrl(request);
        byte[] body = publisher.current(worker).body();
        response.setContentType("application/json");
        response.setCharacterEncoding(StandardCharsets.UTF_8.name());
        response.setHeader("Cache-Control", "no-store");
        response.setContentLength(body.length);
        if ("GET".equals(request.getMethod())) {
            response.getOutputStream().write(body);
        }
    }

    private static String ownUrl(HttpServletRequest request) {
        int port = request.getLocalPort();
        String host = request.getLocalName() == null ? request.getLocalAddr() : request.getLocalName();
        if (host.indexOf(':') >= 0 && !host.startsWith("[")) {
            host = "[" + host + "]";
        }
        return request.getScheme() + "://" + host + ":" + port + request.getContextPath();
    }

    /**
     * The load balancers registered in ZooKeeper, on the discovery's event thread: pushed to
     * from now on, with those of {@code lb}. A URL that is not an http(s) URL is skipped and logged.
     * Their {@code X-ResumeLB-Class} headers are honoured only from addresses {@link WorkerTrust}
     * trusts (the {@code lb} hosts, {@code trustedLbs}): ZooKeeper decides where résumés go, not whom
     * the worker believes.
     */
    private void loadBalancersLearned(List<Discovery.Member> members) {
        List<URI> lbs = new ArrayList<>();
        for (Discovery.Member m : members) {
            try {
                lbs.add(Settings.httpUrl("zookeeper", m.url()));
            } catch (IllegalArgumentException e) {
                LOG.warn("ResumeLB ignores a load balancer registered in ZooKeeper: {}", e.getMessage());
            }
        }
        publisher.loadBalancers(lbs);
        LOG.info("ResumeLB load balancers from ZooKeeper: {}; pushing to {}", lbs, publisher.endpoints());
    }

    @Override
    public void destroy() {
        if (publisher != null) {
            publisher.close();
        }
        if (discovery != null) {
            discovery.close();
        }
        LOG.info("ResumeLB filter stopped");
    }

    // For tests and embedding: what the filter knows.
    SkillTracker tracker() {
        return tracker;
    }

    ResumePublisher publisher() {
        return publisher;
    }

    WorkerSettings settings() {
        return settings;
    }

    WorkerTrust trust() {
        return trust;
    }

    WorkerLoad load() {
        return load;
    }
}
