package org.resumelb.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.http.HttpHeader;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.resumelb.agent.resume.Resume;
import org.resumelb.proxy.membership.WorkerDirectory;

/**
 * Workers serving {@code https://} behind the proxy as deployed (embedded
 * Jetty), each running the real filter and pushing its https URL, with
 * certificates made by keytool ({@link TestCertificates}); the proxy trusts
 * the test CA through {@code workerTrustStore} and a password file. A worker
 * whose certificate the CA signed is reached; one with a self-signed
 * certificate never joins, never receives a request, and the log and the
 * status page say why; a worker in the pool whose certificate is no longer
 * trusted is ejected on the first request, which is retried elsewhere, with a
 * log line naming the trust store.
 */
class TlsWorkersTest extends ClusterClientTest {

    static final TestCertificates CERTS = TestCertificates.get();
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeEach
    void start() throws Exception {
        cluster = new Cluster(Map.of("workerTrustStore", CERTS.trustStore.toString(),
                "workerTrustStorePasswordFile", CERTS.trustStorePasswordFile().toString()));
    }

    ContentResponse get(String host) throws Exception {
        return client.newRequest(cluster.proxyUrl() + "/page").headers(h -> h.put(HttpHeader.HOST, host))
                .timeout(15, TimeUnit.SECONDS).send();
    }

    /** The status page's entry for {@code url}, or a missing node. */
    JsonNode status(String url) throws Exception {
        ContentResponse r = client.newRequest(cluster.proxyUrl() + "/_resumelb/status?classes=0").timeout(10, TimeUnit.SECONDS).send();
        assertEquals(200, r.getStatus());
        for (JsonNode w : JSON.readTree(r.getContent()).path("workers")) {
            if (w.path("url").asText().equals(url)) {
                return w;
            }
        }
        return JSON.missingNode();
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        Await.until(what, Duration.ofSeconds(20), condition);
    }

    interface Check {
        boolean holds() throws Exception;
    }

    static BooleanSupplier unchecked(Check check) {
        return () -> {
            try {
                return check.holds();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
    }

    @Test
    void aTrustedHttpsWorkerIsReachedAndAnUntrustedOneNeverReceivesARequest() throws Exception {
        try (LogCapture log = new LogCapture()) {
            String good = cluster.startTlsWorker("good", CERTS, CERTS.worker, Map.of());
            assertTrue(good.startsWith("https://127.0.0.1:"), good);
            cluster.awaitWorkers(1);
            assertEquals(WorkerDirectory.State.ACTIVE, cluster.directory().state(good));

            String rogue = cluster.startTlsWorker("rogue", CERTS, CERTS.untrusted, Map.of());
            await(unchecked(() -> status(rogue).path("probeProblem").asText().startsWith(
                    "TLS handshake failed: certificate not trusted by workerTrustStore " + CERTS.trustStore)), "the status says why");
            JsonNode shown = status(rogue);
            assertEquals("joining", shown.path("state").asText(), shown.toString());
            assertTrue(shown.path("probing").asBoolean(), shown.toString());

            // It keeps pushing (every second) and its pushes are accepted, but it stays out: no client request pays for it.
            long accepted = cluster.receiver().accepted();
            await(() -> cluster.receiver().accepted() >= accepted + 4, "more pushes of both workers");
            int requests = 60;
            for (int i = 0; i < requests; i++) {
                ContentResponse r = get("site-" + (i % 12) + ".example");
                assertEquals(200, r.getStatus(), r.getContentAsString());
                assertEquals("good", r.getHeaders().get("X-Worker"));
            }
            assertEquals(0, cluster.apps.get("rogue").served(), "the untrusted worker received no request");
            assertEquals(requests, cluster.apps.get("good").served());
            assertEquals(1, cluster.directory().pool().size());
            assertEquals(WorkerDirectory.State.JOINING, cluster.directory().state(rogue));
            assertEquals(0, cluster.directory().ejections(), "nobody was ejected: the untrusted worker never joined");

            List<String> why = log.lines("ResumeLB worker " + rogue + " does not join: TLS handshake failed: certificate not trusted by"
                    + " workerTrustStore " + CERTS.trustStore);
            assertEquals(1, why.size(), "one line per worker, not per push: " + why);
            assertTrue(log.lines("ResumeLB worker " + good + " answered over TLS and joined").size() == 1,
                    log.lines(good).toString());
        }
    }

    @Test
    void aWorkerWhoseCertificateIsNoLongerTrustedIsEjectedAndTheRequestRetriedElsewhere() throws Exception {
        try (LogCapture log = new LogCapture()) {
            cluster.startTlsWorker("good", CERTS, CERTS.worker, Map.of());
            cluster.awaitWorkers(1);
            // A worker the pool holds already (as after its certificate was replaced by one the CA did not sign), the best
            // for class site-r; it pushed once, and is then silent so that only what it was taught stays.
            String rogue = cluster.startTlsWorker("rogue", CERTS, CERTS.untrusted, Map.of("heartbeat", "1h", "resumeInterval", "1h"));
            await(() -> cluster.directory().state(rogue) == WorkerDirectory.State.JOINING, "the silent worker's one push");
            cluster.directory().pulled(rogue, new Resume(rogue, rogue + "#1", "1", 1, System.currentTimeMillis(), false,
                    Map.of("site-r.example", 100.0)));
            cluster.awaitWorkers(2);

            for (int i = 0; i < 5; i++) {
                ContentResponse r = get("site-r.example");
                assertEquals(200, r.getStatus(), r.getContentAsString());
                assertEquals("good", r.getHeaders().get("X-Worker"), "retried on the trusted worker");
            }
            assertEquals(0, cluster.apps.get("rogue").served());
            assertEquals(WorkerDirectory.State.EJECTED, cluster.directory().state(rogue));
            assertEquals(1, cluster.directory().ejections());
            assertEquals(1, cluster.directory().pool().size());
            List<String> ejected = log.lines("ResumeLB worker " + rogue + " ejected until it answers again: TLS handshake failed:"
                    + " certificate not trusted by workerTrustStore " + CERTS.trustStore + " (");
            assertEquals(1, ejected.size(), log.lines(rogue).toString());
            assertFalse(status(rogue).isMissingNode());
            assertEquals("ejected", status(rogue).path("state").asText());
        }
    }
}
