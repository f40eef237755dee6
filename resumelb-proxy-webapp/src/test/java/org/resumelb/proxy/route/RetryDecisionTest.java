package org.resumelb.proxy.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.nio.channels.ClosedChannelException;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

import org.eclipse.jetty.io.EofException;
import org.junit.jupiter.api.Test;

/** How a failed proxied request is classified, and when it is sent again elsewhere. */
class RetryDecisionTest {

    final RetryPolicy policy = new RetryPolicy(Set.of("GET", "HEAD"), 2);

    @Test
    void aRefusedResetOrClosedConnectionIsTheWorkersConnectionFailing() {
        assertEquals(Failure.CONNECTION, Failure.classify(new ConnectException("Connection refused"), false));
        assertEquals(Failure.CONNECTION, Failure.classify(new SocketException("Connection reset"), false));
        assertEquals(Failure.CONNECTION, Failure.classify(new EofException("early EOF"), false));
        assertEquals(Failure.CONNECTION, Failure.classify(new ClosedChannelException(), false));
        assertEquals(Failure.CONNECTION, Failure.classify(new ExecutionException(new EOFException()), false), "found among the causes");
        assertEquals(502, Failure.CONNECTION.status());
    }

    @Test
    void aTimeoutAnywhereInTheCausesIsATimeoutNotAConnectionFailure() {
        assertEquals(Failure.TIMEOUT, Failure.classify(new TimeoutException("Total timeout 15000 ms elapsed"), false));
        assertEquals(Failure.TIMEOUT, Failure.classify(new IOException(new TimeoutException("idle")), false));
        assertEquals(504, Failure.TIMEOUT.status());
    }

    @Test
    void aClientThatFailedFirstIsNeverTheWorkersFault() {
        assertEquals(Failure.CLIENT, Failure.classify(new EofException("reset by the client"), true));
        assertEquals(Failure.CLIENT, Failure.classify(new TimeoutException(), true));
        assertEquals(0, Failure.CLIENT.status(), "nobody to send a page to");
    }

    @Test
    void anythingElseIsAnOtherFailureThatKeepsTheWorker() {
        assertEquals(Failure.OTHER, Failure.classify(new IllegalStateException("bad response"), false));
        assertEquals(Failure.OTHER, Failure.classify(null, false));
        assertEquals(502, Failure.OTHER.status());
    }

    @Test
    void onlyIdempotentBodilessUncommittedRequestsRetryAfterAConnectionFailure() {
        assertTrue(policy.retry("GET", false, Failure.CONNECTION, 0, false));
        assertTrue(policy.retry("HEAD", false, Failure.CONNECTION, 1, false));
        assertFalse(policy.retry("POST", false, Failure.CONNECTION, 0, false), "POST is not in retryMethods");
        assertFalse(policy.retry("GET", true, Failure.CONNECTION, 0, false), "a body was streamed to the failed worker");
        assertFalse(policy.retry("GET", false, Failure.CONNECTION, 0, true), "the client already has part of an answer");
        assertFalse(policy.retry("GET", false, Failure.TIMEOUT, 0, false), "a slow worker may still be working on it");
        assertFalse(policy.retry("GET", false, Failure.OTHER, 0, false));
        assertFalse(policy.retry("GET", false, Failure.CLIENT, 0, false));
    }

    @Test
    void retriesStopAtMaxRetries() {
        assertFalse(policy.retry("GET", false, Failure.CONNECTION, 2, false));
        assertFalse(new RetryPolicy(Set.of("GET"), 0).retry("GET", false, Failure.CONNECTION, 0, false), "maxRetries=0 never retries");
    }
}
