package org.resumelb.proxy;

import java.io.IOException;
import java.util.ArrayDeque;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Takes a response from the worker as fast as the worker sends it and writes
 * it to the client as fast as the client reads, holding no thread either way
 * (nginx's response buffering, in memory). Up to {@code responseBuffer} bytes
 * wait here for a slow client; past that the worker's content callback is
 * held, so the proxy stops reading from that worker until the client catches
 * up (back-pressure). A worker whose answer fits the buffer is done — and its
 * lease released — while the client is still reading.
 *
 * <p>Thread-safety: content arrives on the HTTP client's threads and
 * write-possible events on the container's; both take this object's monitor,
 * which guards the queue and is held only for non-blocking servlet writes.
 * Callbacks (to the HTTP client, and the end of the response) run outside it.
 */
final class BufferedResponseWriter implements WriteListener {

    private record Chunk(byte[] bytes, Callback held) {
    }

    private final ServletOutputStream output;
    private final Response workerResponse;
    private final long bound;
    private final Runnable clientFailed;
    private final ArrayDeque<Chunk> queue = new ArrayDeque<>();
    private long queued;
    private boolean listening;
    private Runnable onDrained;
    private boolean failed;

    /** The request attribute holding a response's writer. */
    private static final String ATTRIBUTE = BufferedResponseWriter.class.getName();

    /**
     * @param clientFailed run before the worker's response is aborted because the client
     *     failed, so that the failure is not counted against the worker
     */
    BufferedResponseWriter(ServletOutputStream output, Response workerResponse, long bound, Runnable clientFailed) {
        this.output = output;
        this.workerResponse = workerResponse;
        this.bound = bound;
        this.clientFailed = clientFailed;
    }

    /** Hands a piece of the worker's content to the request's writer, made on the first piece. */
    static void offer(HttpServletRequest request, HttpServletResponse response, Response workerResponse, long bound,
                      Runnable clientFailed, byte[] buffer, int offset, int length, Callback callback) {
        BufferedResponseWriter writer = of(request);
        if (writer == null) {
            try {
                writer = new BufferedResponseWriter(response.getOutputStream(), workerResponse, bound, clientFailed);
            } catch (IOException | RuntimeException e) {
                callback.failed(e);
                workerResponse.abort(e);
                return;
            }
            request.setAttribute(ATTRIBUTE, writer);
        }
        writer.offer(buffer, offset, length, callback);
    }

    /** The request's writer, or null when its response had no content. */
    static BufferedResponseWriter of(HttpServletRequest request) {
        return (BufferedResponseWriter) request.getAttribute(ATTRIBUTE);
    }

    /** A piece of the worker's content; {@code callback} is completed at once while the buffer has room. */
    void offer(byte[] buffer, int offset, int length, Callback callback) {
        byte[] copy = new byte[length];
        System.arraycopy(buffer, offset, copy, 0, length);
        boolean start;
        boolean room;
        synchronized (this) {
            if (failed) {
                room = true;
                start = false;
            } else {
                room = queued + length <= bound;
                queue.add(new Chunk(copy, room ? null : callback));
                queued += length;
                start = !listening;
                listening = true;
            }
        }
        if (room) {
            callback.succeeded(); // the worker may send more: its bytes are ours now
        }
        if (start) {
            output.setWriteListener(this); // the container calls onWritePossible
        } else {
            drain();
        }
    }

    /** The worker's response is complete: {@code done} runs once everything queued has been written. */
    void finish(Runnable done) {
        boolean now;
        synchronized (this) {
            now = !listening || failed;
            if (!now) {
                onDrained = done;
            }
        }
        if (now) {
            done.run();
        } else {
            drain();
        }
    }

    @Override
    public void onWritePossible() {
        drain();
    }

    private void drain() {
        Runnable done = null;
        java.util.List<Callback> release = null;
        synchronized (this) {
            if (failed) {
                return;
            }
            try {
                while (output.isReady()) {
                    Chunk c = queue.poll();
                    if (c == null) {
                        done = onDrained;
                        onDrained = null;
                        break;
                    }
                    output.write(c.bytes());
                    queued -= c.bytes().length;
                    if (c.held() != null) {
                        if (release == null) {
                            release = new java.util.ArrayList<>(1);
                        }
                        release.add(c.held());
                    }
                }
            } catch (IOException | RuntimeException e) {
                fail(e);
                return;
            }
        }
        if (release != null) {
            release.forEach(Callback::succeeded);
        }
        if (done != null) {
            done.run();
        }
    }

    @Override
    public void onError(Throwable failure) {
        synchronized (this) {
            fail(failure);
        }
    }

    /** Monitor held. The client is gone (or too slow for the container): stop reading from the worker. */
    private void fail(Throwable failure) {
        if (failed) {
            return;
        }
        failed = true;
        clientFailed.run(); // first: failing a held callback aborts the worker's response at once
        for (Chunk c : queue) {
            if (c.held() != null) {
                c.held().failed(failure);
            }
        }
        queue.clear();
        queued = 0;
        workerResponse.abort(failure);
        Runnable done = onDrained;
        onDrained = null;
        if (done != null) {
            done.run(); // the worker's response was complete: end the client's
        }
    }
}
