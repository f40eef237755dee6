package org.resumelb.proxy;

import java.io.IOException;
import java.util.concurrent.Executor;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.ServletConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.ee10.proxy.AsyncProxyServlet;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.component.LifeCycle;
import org.resumelb.agent.Log;
import org.resumelb.agent.classify.ServletRequestView;
import org.resumelb.agent.config.Settings;
import org.resumelb.agent.protocol.Protocol;
import org.resumelb.proxy.membership.WorkerTls;
import org.resumelb.proxy.route.Failure;
import org.resumelb.proxy.route.Lease;
import org.resumelb.proxy.route.StickyCookie;

/**
 * The load balancer as a servlet: Jetty's {@link ProxyServlet} with its hooks
 * wired to a {@link LoadBalancer}, and nothing else. The flow of one request:
 * <ol>
 * <li>{@link #service}: a path under the prefix goes to the operations
 * endpoints; with no worker at all the request waits in the
 * {@link org.resumelb.proxy.route.WaitingRoom}; a small body is read whole;
 * with {@code maxBacklog} set the request is admitted ({@link AdmissionRequest}:
 * a worker at once, or a wait in the {@link org.resumelb.proxy.route.AdmissionQueue});
 * then Jetty's proxy flow runs.
 * <li>{@link #rewriteTarget}: the {@link org.resumelb.proxy.route.Router}
 * classifies the request and leases a worker (unless admission leased one
 * already); the target is the worker's URL plus the path after this servlet.
 * <li>{@link #copyRequestHeaders} strips every client-sent {@code X-ResumeLB-*}
 * header (and, with sticky sessions, the session cookie's route suffix);
 * {@link #addProxyHeaders} adds {@code X-ResumeLB-Class}.
 * <li>{@link #filterServerResponseHeader}: the worker's {@code X-ResumeLB-Load}
 * report goes to the pool for that worker ({@code workerLoadReport}) and never to
 * the client; with sticky sessions, the worker's
 * {@code Set-Cookie} of the session cookie gets the worker's route suffix.
 * <li>{@link #onProxyResponseSuccess} / {@link #onProxyResponseFailure} end
 * the lease (a connection failure ejects the worker). A retriable failure is
 * retried through Jetty's own request path: the lease for the next worker is
 * parked on the request and the request is dispatched again, so
 * {@link #service} runs once more and {@link #rewriteTarget} picks it up.
 * </ol>
 *
 * <p>Thread-safety: the load balancer is set in {@link #init} and read-only
 * after; per-request state lives in request attributes and the {@link Lease},
 * whose end is idempotent.
 */
public class ResumeProxyServlet extends AsyncProxyServlet {

    private static final Log LOG = Log.get(ResumeProxyServlet.class);
    private static final String LEASE = Lease.class.getName();
    /**
     * A lease taken before the proxy flow, parked on the request for {@link #rewriteTarget}: a retry's next worker,
     * or the worker admission gave the request.
     */
    static final String NEXT_LEASE = Lease.class.getName() + ".next";
    private static final String WAITED = ResumeProxyServlet.class.getName() + ".waited";

    private LoadBalancer lb;
    /** Sent beside the class header; null with classifierFingerprint=false. */
    private String classifierFingerprint;
    /** Whether workers' X-ResumeLB-Load reports count (workerLoadReport); the header is stripped either way. */
    private boolean workerLoadReport;
    private boolean ownLoadBalancer;
    private boolean ownExecutor;

    @Override
    public void init(ServletConfig config) throws ServletException {
        ServletContext context = config.getServletContext();
        if (context.getAttribute(ProxyStartup.ATTRIBUTE) instanceof LoadBalancer started) {
            lb = started; // started (and owned) by ProxyStartup with the context
        } else {
            try {
                ProxySettings read = ProxySettings.read(Settings.forServlet(config));
                read.unknownSettings().forEach(warning -> LOG.warn("{}", warning));
                lb = LoadBalancer.start(read);
                ownLoadBalancer = true;
            } catch (IllegalArgumentException e) {
                LOG.error("ResumeLB proxy not started: {}", e.getMessage());
                throw new ServletException(e.getMessage(), e);
            }
        }
        ProxySettings settings = lb.settings();
        classifierFingerprint = settings.classifierFingerprint();
        workerLoadReport = settings.workerLoadReport();
        JettyProxyConfig jetty = JettyProxyConfig.of(config, settings);
        ownExecutor = jetty.ownExecutor();
        try {
            super.init(jetty);
        } catch (ServletException | RuntimeException e) {
            if (ownLoadBalancer) {
                lb.close();
            }
            throw e;
        }
        LOG.info("ResumeLB proxy started: policy {}, settings {}; status, dashboard and metrics under {}{}/ answer {} (statusAllow),"
                        + " admin calls {} (adminAllow)", settings.policy(), settings.inForce(), context.getContextPath(), settings.prefix(),
                settings.boundaries().statusAllow(), settings.adminAllow());
    }

    /** The load balancer behind this servlet (null before init). */
    public LoadBalancer loadBalancer() {
        return lb;
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws ServletException, IOException {
        boolean leased = request.getAttribute(NEXT_LEASE) != null; // a retry, or admitted from the admission queue
        if (!leased && lb.endpoints().serve(ServletRequestView.pathAfterServlet(request), request, response)) {
            return;
        }
        if (!leased && lb.pool().size() == 0 && !enterWaitingRoom(request, response)) {
            return;
        }
        if (!leased && RequestBodyBuffer.wanted(request, lb.settings().edge().requestBuffer())) {
            RequestBodyBuffer.start(request, lb); // back here with the body, through a dispatch
            return;
        }
        if (!leased && lb.router().admission() != null) {
            Lease admitted = AdmissionRequest.admit(request, response, lb);
            if (admitted == null) {
                return; // waiting in the admission queue (back here through a dispatch), or answered
            }
            request.setAttribute(NEXT_LEASE, admitted);
        }
        try {
            super.service(request, response);
        } catch (RuntimeException | IOException | ServletException e) {
            Lease lease = lease(request);
            if (lease != null) {
                lease.release();
            }
            if (request.getAttribute(NEXT_LEASE) instanceof Lease parked) {
                request.removeAttribute(NEXT_LEASE);
                parked.release();
            }
            throw e;
        }
    }

    @Override
    protected String rewriteTarget(HttpServletRequest request) {
        Lease lease = (Lease) request.getAttribute(NEXT_LEASE);
        if (lease != null) {
            request.removeAttribute(NEXT_LEASE);
        } else {
            lease = lb.router().route(ServletRequestView.afterServlet(request));
        }
        if (lease == null) {
            return null;
        }
        request.setAttribute(LEASE, lease);
        String path = ServletRequestView.pathAfterServlet(request);
        String query = request.getQueryString();
        String base = lease.worker().url();
        StringBuilder uri = new StringBuilder(base.length() + path.length() + (query == null ? 0 : query.length() + 1));
        uri.append(base).append(path.isEmpty() ? "/" : path);
        if (query != null) {
            uri.append('?').append(query);
        }
        return uri.toString();
    }

    /** The connector of the forwarding client: {@code https://} workers are trusted as {@link WorkerTls} says, and only so. */
    @Override
    protected ClientConnector newClientConnector() {
        WorkerTls tls = lb.settings().boundaries().workerTls();
        SslContextFactory.Client ssl = new SslContextFactory.Client();
        ssl.setSslContext(tls.sslContext());
        ssl.setEndpointIdentificationAlgorithm(WorkerTls.ENDPOINT_IDENTIFICATION);
        ClientConnector connector = super.newClientConnector();
        connector.setSslContextFactory(ssl);
        return connector;
    }

    @Override
    protected HttpClient createHttpClient() throws ServletException {
        HttpClient client = super.createHttpClient();
        client.setConnectTimeout(lb.settings().edge().connectTimeout().toMillis());
        return client;
    }

    @Override
    protected Request.Content proxyRequestContent(HttpServletRequest request, HttpServletResponse response, Request proxyRequest)
            throws IOException {
        byte[] body = (byte[]) request.getAttribute(RequestBodyBuffer.BODY);
        return body != null ? new BytesRequestContent(body) : super.proxyRequestContent(request, response, proxyRequest);
    }

    @Override
    protected boolean expects100Continue(HttpServletRequest request) {
        // A buffered body has been read already (its client got its 100 Continue then).
        return request.getAttribute(RequestBodyBuffer.BODY) == null && super.expects100Continue(request);
    }

    @Override
    protected void onResponseContent(HttpServletRequest request, HttpServletResponse response, Response proxyResponse,
                                     byte[] buffer, int offset, int length, Callback callback) {
        BufferedResponseWriter.offer(request, response, proxyResponse, lb.settings().edge().responseBuffer(),
                () -> markClientFailed(request), buffer, offset, length, callback);
    }

    @Override
    protected void onProxyRewriteFailed(HttpServletRequest request, HttpServletResponse response) {
        lb.metrics().noWorker();
        ErrorPages.send(request, response, HttpServletResponse.SC_SERVICE_UNAVAILABLE);
    }

    @Override
    protected void copyRequestHeaders(HttpServletRequest clientRequest, Request proxyRequest) {
        super.copyRequestHeaders(clientRequest, proxyRequest);
        ProxyHeaders.stripClientHeaders(clientRequest, proxyRequest);
        ProxyHeaders.stripStickyRoutes(clientRequest, proxyRequest, lb.settings().sticky());
    }

    @Override
    protected HttpField filterServerResponseHeader(HttpServletRequest clientRequest, Response serverResponse, HttpField field) {
        // This variant, not the String one: Jetty's default turns a changed value into the old one plus the new one.
        Lease lease = lease(clientRequest);
        if (field.is(Protocol.LOAD_HEADER)) {
            // The worker's own load, for this lease's worker only; never shown to the client.
            if (workerLoadReport && lease != null) {
                lb.router().reported(lease, field.getValue());
            }
            return null;
        }
        StickyCookie sticky = lb.settings().sticky();
        if (sticky == null || lease == null || field.getHeader() != HttpHeader.SET_COOKIE) {
            return super.filterServerResponseHeader(clientRequest, serverResponse, field);
        }
        String value = field.getValue();
        String routed = sticky.setCookie(value, lease.worker().route());
        return routed == value ? field : new HttpField(field.getHeader(), field.getName(), routed);
    }

    @Override
    protected void addProxyHeaders(HttpServletRequest clientRequest, Request proxyRequest) {
        // Jetty's addProxyHeaders adds Via and its own Forwarded; the latter would only be replaced below, so only Via is asked for.
        addViaHeader(clientRequest, proxyRequest);
        // What a client sent of Forwarded / X-Forwarded-* / X-Real-IP is replaced, unless it came through a trusted proxy.
        Lease lease = lease(clientRequest);
        proxyRequest.headers(h -> {
            lb.forwardedHeaders().write(clientRequest.getRemoteAddr(), clientRequest.getScheme(), clientRequest.getHeader("Host"),
                    clientRequest.getLocalPort(), clientRequest::getHeaders, h::remove, h::put);
            if (lease != null) {
                h.put(Protocol.CLASS_HEADER, lease.requestClass());
                if (classifierFingerprint != null) {
                    h.put(Protocol.CLASSIFIER_HEADER, classifierFingerprint);
                }
            }
        });
    }

    @Override
    protected void onClientRequestFailure(HttpServletRequest clientRequest, Request proxyRequest, HttpServletResponse proxyResponse, Throwable failure) {
        markClientFailed(clientRequest);
        super.onClientRequestFailure(clientRequest, proxyRequest, proxyResponse, failure);
    }

    /** The client side failed: what follows is not the worker's failure. */
    private static void markClientFailed(HttpServletRequest clientRequest) {
        Lease lease = lease(clientRequest);
        if (lease != null) {
            lease.clientFailed();
        }
    }

    @Override
    protected void onProxyResponseSuccess(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, Response serverResponse) {
        Lease lease = lease(clientRequest);
        if (lease != null) {
            lease.success(); // the worker is done, even if the client is still reading
        }
        BufferedResponseWriter writer = BufferedResponseWriter.of(clientRequest);
        if (writer == null) {
            super.onProxyResponseSuccess(clientRequest, proxyResponse, serverResponse);
        } else {
            writer.finish(() -> super.onProxyResponseSuccess(clientRequest, proxyResponse, serverResponse));
        }
    }

    @Override
    protected void onProxyResponseFailure(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, Response serverResponse, Throwable failure) {
        Lease lease = lease(clientRequest);
        if (lease == null || lease.ended()) {
            super.onProxyResponseFailure(clientRequest, proxyResponse, serverResponse, failure);
            return;
        }
        Failure kind = Failure.classify(failure, lease.hasClientFailed());
        Lease next = lb.router().retry(lease, kind, lb.settings().boundaries().workerTls().describe(failure), clientRequest.getMethod(),
                hasContent(clientRequest),
                proxyResponse.isCommitted());
        if (next != null) {
            LOG.debug("ResumeLB retrying {} {} on {} after {}", clientRequest.getMethod(), clientRequest.getRequestURI(), next.worker(), failure);
            proxyResponse.reset();
            clientRequest.setAttribute(NEXT_LEASE, next);
            clientRequest.getAsyncContext().dispatch();
        } else if (kind != Failure.CLIENT && !proxyResponse.isCommitted()) {
            ErrorPages.send(clientRequest, proxyResponse, kind.status());
        } else {
            super.onProxyResponseFailure(clientRequest, proxyResponse, serverResponse, failure);
        }
    }

    private static Lease lease(HttpServletRequest request) {
        return (Lease) request.getAttribute(LEASE);
    }

    /** Suspends a request until a worker joins; returns true when it may proceed at once. */
    private boolean enterWaitingRoom(HttpServletRequest request, HttpServletResponse response) {
        if (request.getDispatcherType() != DispatcherType.ASYNC || request.getAttribute(WAITED) == null) {
            request.setAttribute(WAITED, Boolean.TRUE);
            if (WaitingRequest.enter(request, lb)) {
                return false;
            }
        }
        lb.metrics().noWorker();
        ErrorPages.send(request, response, HttpServletResponse.SC_SERVICE_UNAVAILABLE);
        return false;
    }

    @Override
    public void destroy() {
        if (lb != null && ownLoadBalancer) {
            lb.close();
        }
        Executor executor = getHttpClient() == null ? null : getHttpClient().getExecutor();
        super.destroy();
        if (ownExecutor && executor instanceof LifeCycle lifeCycle) {
            try {
                lifeCycle.stop();
            } catch (Exception e) {
                LOG.debug("ResumeLB could not stop its proxy thread pool: {}", e.toString());
            }
        }
    }
}
