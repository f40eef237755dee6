package org.resumelb.proxy.membership;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import org.resumelb.agent.protocol.Protocol;

/**
 * The {@link Readmission.Probe} of a running load balancer: {@code GET
 * {worker}/_resumelb/resume}, the worker's own résumé page, on a new
 * connection, within {@code timeout}. Any answer below 500 counts (a 403 from
 * a worker that does not list this load balancer, a 404 from one with another
 * prefix: either way its connector accepts and its webapp serves); a
 * connection refused or reset, a timeout, a failed TLS handshake (an
 * {@code https://} worker whose certificate {@link WorkerTls} does not trust)
 * or a 5xx (a container whose webapp is unavailable) does not, and the probe
 * says why in the words of {@link WorkerTls#describe}.
 *
 * <p>Thread-safe: the JDK's HTTP client is.
 */
public final class WorkerProbe implements Readmission.Probe {

    private final HttpClient client;
    private final Duration timeout;
    private final WorkerTls tls;

    public WorkerProbe(Duration timeout, WorkerTls tls) {
        this.timeout = timeout;
        this.tls = tls;
        this.client = client(timeout, tls);
    }

    /**
     * The HTTP client with which the load balancer asks workers for their résumé page (probes and pulls), trusting
     * {@code https://} workers as {@code tls} says.
     */
    static HttpClient client(Duration connectTimeout, WorkerTls tls) {
        return tls.applyTo(HttpClient.newBuilder()).version(HttpClient.Version.HTTP_1_1).connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /**
     * {@code GET {worker}/_resumelb/resume}, the worker's résumé page.
     *
     * @throws IllegalArgumentException when {@code workerUrl} makes no valid URI
     */
    static HttpRequest resumePage(String workerUrl, Duration timeout) {
        return HttpRequest.newBuilder(URI.create(workerUrl + Protocol.resumePath(Protocol.DEFAULT_PREFIX))).timeout(timeout).GET().build();
    }

    @Override
    public CompletableFuture<Readmission.Unreachable> problem(String workerUrl) {
        HttpRequest request;
        try {
            request = resumePage(workerUrl, timeout);
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(new Readmission.Unreachable("not a valid URL: " + e.getMessage(), true));
        }
        return client.sendAsync(request, HttpResponse.BodyHandlers.discarding()).handle((response, failure) -> {
            if (failure != null) {
                return new Readmission.Unreachable(tls.describe(failure), WorkerTls.isTls(failure));
            }
            return response.statusCode() < 500 ? null : new Readmission.Unreachable("it answers " + response.statusCode(), false);
        });
    }
}
