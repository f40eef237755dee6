package org.resumelb.proxy.membership;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.resumelb.agent.Log;
import org.resumelb.agent.resume.Resume;
import org.resumelb.agent.resume.ResumeCodec;
import org.resumelb.agent.resume.ResumeException;

/**
 * Pulls the résumés of statically listed workers ({@code workers}) that cannot
 * push: every {@code pullInterval}, {@code GET {worker}/_resumelb/resume} on
 * each ({@link WorkerProbe#resumePage}), in parallel, and hands what comes back to the {@link WorkerDirectory}
 * (so a worker that stops answering expires after {@code workerTtl}, like a
 * silent pushing worker). Pulls are unsigned: the load balancer chose whom to
 * ask. An {@code https://} worker is pulled with the trust of {@link WorkerTls}:
 * one whose certificate is not trusted never answers a pull, so never joins,
 * and its first failed handshake is logged as a warning.
 *
 * <p>Thread-safety: one scheduled task at a time (fixed delay, waiting for
 * every pull of a round to end or time out); the JDK's HTTP client is
 * thread-safe, and so is the set of warned workers.
 */
public final class StaticWorkerPuller implements AutoCloseable {

    private static final Log LOG = Log.get(StaticWorkerPuller.class);

    private final List<URI> workers;
    private final Duration interval;
    private final WorkerDirectory directory;
    private final ResumeCodec codec;
    private final HttpClient client;
    private final Duration timeout;
    private final WorkerTls tls;
    /** Workers whose failed TLS handshake was logged, until they answer a pull: one warning per worker, not per pull. */
    private final java.util.Set<String> tlsWarned = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private ScheduledFuture<?> task;

    /**
     * @param tls the trust of {@code https://} workers
     */
    public StaticWorkerPuller(List<URI> workers, Duration interval, WorkerDirectory directory, ResumeCodec codec, WorkerTls tls) {
        this.workers = List.copyOf(workers);
        this.interval = interval;
        this.directory = directory;
        this.codec = codec;
        this.timeout = Duration.ofMillis(Math.max(1000, interval.toMillis()));
        this.tls = tls;
        this.client = WorkerProbe.client(timeout, tls);
    }

    /** Starts pulling now and every interval on {@code timer}. */
    public synchronized void start(ScheduledExecutorService timer) {
        task = timer.scheduleWithFixedDelay(this::pullAll, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** One round: every worker once; returns when each pull has ended. */
    public void pullAll() {
        CompletableFuture<?>[] pulls = new CompletableFuture<?>[workers.size()];
        for (int i = 0; i < pulls.length; i++) {
            pulls[i] = pull(workers.get(i).toString());
        }
        try {
            CompletableFuture.allOf(pulls).get(timeout.toMillis() * 2, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.debug("ResumeLB pull round ended early: {}", e.toString());
        }
    }

    private CompletableFuture<?> pull(String url) {
        HttpRequest request;
        try {
            request = WorkerProbe.resumePage(url, timeout);
        } catch (RuntimeException e) {
            LOG.warn("ResumeLB could not pull the résumé of {}: {}", url, e.toString());
            return CompletableFuture.completedFuture(null);
        }
        return client.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray()).handle((response, failure) -> {
            if (failure != null && WorkerTls.isTls(failure)) {
                if (tlsWarned.add(url)) {
                    LOG.warn("ResumeLB cannot pull the résumé of {}: {}; it stays out of the pool until it answers", url,
                            tls.describe(failure));
                }
                return null;
            }
            if (failure != null || response.statusCode() != 200) {
                LOG.debug("ResumeLB could not pull the résumé of {}: {}", url, failure != null ? failure : response.statusCode());
                return null;
            }
            tlsWarned.remove(url);
            byte[] body = response.body();
            if (body.length > codec.limits().maxBodyBytes()) {
                LOG.warn("ResumeLB got a résumé of {} bytes from {}, more than maxBodyBytes", body.length, url);
                return null;
            }
            try {
                Resume resume = codec.decode(body);
                directory.pulled(url, resume);
            } catch (ResumeException e) {
                LOG.warn("ResumeLB got an invalid résumé from {}: {}", url, e.getMessage());
            }
            return null;
        });
    }

    @Override
    public synchronized void close() {
        if (task != null) {
            task.cancel(true);
        }
    }
}
