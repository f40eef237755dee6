package org.resumelb.proxy;

import org.resumelb.agent.protocol.Protocol;
import org.resumelb.proxy.operations.Admin;
import org.resumelb.proxy.operations.RuntimeSettings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.http.HttpHeader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resumelb.agent.resume.ResumeCodec;

/** Status, dashboard, metrics and admin calls of the proxy as deployed, with real workers. */
class OperationsTest extends ClusterClientTest {

    static final ObjectMapper JSON = new ObjectMapper();

    @Override
    void configure(HttpClient client) {
        client.setFollowRedirects(false);
    }

    ContentResponse get(String path, String from) throws Exception {
        Request r = client.newRequest(cluster.proxyUrl() + path).timeout(10, TimeUnit.SECONDS);
        if (from != null) {
            r.headers(h -> h.put("X-Forwarded-For", from));
        }
        return r.send();
    }

    JsonNode status() throws Exception {
        ContentResponse r = get("/_resumelb/status?classes=100", null);
        assertEquals(200, r.getStatus(), r.getContentAsString());
        assertEquals("application/json", r.getMediaType());
        return JSON.readTree(r.getContent());
    }

    static String call(String json) {
        return "{\"sentAt\":" + System.currentTimeMillis() + ",\"nonce\":\"" + UUID.randomUUID() + "\"," + json + "}";
    }

    ContentResponse admin(String operation, String body, String secret) throws Exception {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        Request r = client.POST(cluster.proxyUrl() + "/_resumelb/admin/" + operation)
                .body(new BytesRequestContent("application/json", bytes)).timeout(10, TimeUnit.SECONDS);
        if (secret != null) {
            r.headers(h -> h.put(Protocol.SIGNATURE_HEADER,
                    Admin.sign(secret.getBytes(StandardCharsets.UTF_8), "/_resumelb/admin/" + operation, bytes)));
        }
        return r.send();
    }

    @Test
    void statusMetricsAndDashboardShowTheTraffic() throws Exception {
        cluster = new Cluster(Map.of());
        String w1 = cluster.startWorker("w1", Map.of());
        String w2 = cluster.startWorker("w2", Map.of());
        cluster.awaitWorkers(2);
        for (int i = 0; i < 20; i++) {
            ContentResponse r = client.newRequest(cluster.proxyUrl() + "/page").headers(h -> h.put(HttpHeader.HOST, "site-a.example"))
                    .timeout(10, TimeUnit.SECONDS).send();
            assertEquals(200, r.getStatus());
        }
        for (int i = 0; i < 5; i++) {
            client.newRequest(cluster.proxyUrl() + "/page").headers(h -> h.put(HttpHeader.HOST, "site-b.example"))
                    .timeout(10, TimeUnit.SECONDS).send();
        }

        JsonNode s = status();
        assertEquals("resume", s.get("policy").asText());
        assertEquals(25, s.get("requests").asLong());
        assertEquals(2, s.get("workers").size());
        long byWorkers = 0;
        for (JsonNode w : s.get("workers")) {
            assertTrue(w.get("url").asText().equals(w1) || w.get("url").asText().equals(w2), w.toString());
            assertEquals("active", w.get("state").asText());
            byWorkers += w.get("requests").asLong();
        }
        assertEquals(25, byWorkers);
        JsonNode busiest = s.get("classes").get("shown").get(0);
        assertEquals("site-a.example", busiest.get("name").asText());
        assertEquals(20, busiest.get("requests").asLong());
        assertEquals("resume", s.get("settings").get("policy").asText());
        assertEquals("***", s.get("settings").get("secret").asText());
        assertFalse(s.toString().contains(Cluster.SECRET), "the secret is never shown");

        ContentResponse metrics = get("/_resumelb/metrics", null);
        assertEquals(200, metrics.getStatus());
        String text = metrics.getContentAsString();
        assertEquals(25, sum(text, "resumelb_requests_total\\{outcome=\"success\",worker=\"[^\"]+\"\\}"), text);
        assertEquals(25, sum(text, "resumelb_routing_seconds_count"), text);
        assertTrue(sum(text, "resumelb_resume_pushes_total\\{outcome=\"accepted\"\\}") >= 2, text);
        assertEquals(0, sum(text, "resumelb_backlog"), text);
        assertEquals(2, sum(text, "resumelb_workers\\{state=\"active\"\\}"), text);
        assertTrue(text.contains("# TYPE resumelb_routing_seconds histogram"), text);

        ContentResponse page = get("/_resumelb/", null);
        assertEquals(200, page.getStatus());
        assertTrue(page.getContentAsString().contains("<title>ResumeLB</title>"));
        assertEquals(301, get("/_resumelb", null).getStatus());
        assertEquals(405, client.POST(cluster.proxyUrl() + "/_resumelb/status").send().getStatus());
        assertEquals(400, get("/_resumelb/status?classes=lots", null).getStatus());
        assertEquals(404, get("/_resumelb/nothing", null).getStatus());
    }

    /** The sum of the values of the metric lines matching {@code line}. */
    static double sum(String text, String line) {
        Matcher m = Pattern.compile("(?m)^" + line + " ([0-9.eE+-]+)$").matcher(text);
        double total = 0;
        boolean found = false;
        while (m.find()) {
            total += Double.parseDouble(m.group(1));
            found = true;
        }
        assertTrue(found, "no metric line " + line);
        return total;
    }

    @Test
    void adminCallsChangeSettingsOnlyWhenSignedAndSurviveARestart(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("lb-settings.json");
        Map<String, String> params = Map.of("settingsFile", file.toString());
        cluster = new Cluster(params);
        cluster.startWorker("w1", Map.of());
        cluster.awaitWorkers(1);

        String change = call("\"settings\":{\"policy\":\"least-backlog\",\"variance\":2.5}");
        ContentResponse unsigned = admin("settings", change, null);
        assertEquals(401, unsigned.getStatus());
        assertTrue(unsigned.getHeaders().get(HttpHeader.WWW_AUTHENTICATE).contains("HMAC-SHA256"));
        assertEquals(401, admin("settings", change, "another-secret-0123456789").getStatus());
        ContentResponse invalid = admin("settings", call("\"settings\":{\"variance\":2.5,\"backlogHistory\":0}"), Cluster.SECRET);
        assertEquals(400, invalid.getStatus());
        assertTrue(invalid.getContentAsString().contains("backlogHistory"), invalid.getContentAsString());
        ContentResponse unknown = admin("settings", call("\"settings\":{\"secret\":\"x\"}"), Cluster.SECRET);
        assertEquals(400, unknown.getStatus());
        assertEquals("resume", status().get("policy").asText(), "refused calls changed nothing");
        assertEquals(1.0, status().get("settings").get("variance").asDouble());
        assertFalse(Files.exists(file), "nothing written by refused calls");

        ContentResponse ok = admin("settings", change, Cluster.SECRET);
        assertEquals(200, ok.getStatus(), ok.getContentAsString());
        assertEquals("least-backlog", JSON.readTree(ok.getContent()).get("policy").asText());
        JsonNode s = status();
        assertEquals("least-backlog", s.get("policy").asText());
        assertEquals(2.5, s.get("settings").get("variance").asDouble());
        assertEquals(1, s.get("workers").size(), "the worker stayed through the policy change");
        assertEquals(200, client.newRequest(cluster.proxyUrl() + "/x").timeout(10, TimeUnit.SECONDS).send().getStatus());

        assertEquals(409, admin("settings", change, Cluster.SECRET).getStatus(), "a replayed call is refused");
        String stale = "{\"sentAt\":" + (System.currentTimeMillis() - 3_600_000) + ",\"nonce\":\"" + UUID.randomUUID()
                + "\",\"settings\":{\"variance\":9}}";
        assertEquals(409, admin("settings", stale, Cluster.SECRET).getStatus(), "a stale call is refused");

        assertEquals(200, admin("settings", call("\"settings\":{\"unskilledScore\":3}"), Cluster.SECRET).getStatus());
        assertEquals("least-backlog", JSON.readTree(Files.readAllBytes(file)).get("policy").asText());
        assertEquals(3.0, JSON.readTree(Files.readAllBytes(file)).get("unskilledScore").asDouble());
        assertEquals(1.0, JSON.readTree(Files.readAllBytes(RuntimeSettings.backup(file))).get("unskilledScore").asDouble(),
                "the previous file is kept as the backup");

        // A restart with the same web.xml (policy resume by default) comes back with the saved settings.
        cluster.close();
        cluster = new Cluster(params);
        JsonNode after = status();
        assertEquals("least-backlog", after.get("policy").asText());
        assertEquals(2.5, after.get("settings").get("variance").asDouble());
        assertEquals(3.0, after.get("settings").get("unskilledScore").asDouble());
    }

    @Test
    void aCorruptSettingsFileStopsDeploymentNamingIt(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("lb-settings.json");
        Files.writeString(file, "{\"policy\":\"fastest\"}");
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
                () -> cluster = new Cluster(Map.of("settingsFile", file.toString())));
        String message = String.valueOf(e.getMessage()) + (e.getCause() == null ? "" : e.getCause().getMessage());
        assertTrue(message.contains("settingsFile") && message.contains("fastest"), message);
    }

    @Test
    void resetSkillsForgetsOneWorkersSkillsOrAll() throws Exception {
        cluster = new Cluster(Map.of("workerTtl", "1m"));
        String w1 = cluster.startWorker("w1", Map.of("heartbeat", "1m", "resumeInterval", "1m", "history", "1000"));
        cluster.awaitWorkers(1);
        // The worker's résumé was empty at start: give it skills through a push of our own.
        cluster.directory().pool().update(w1, null, Map.of("site-a", 5.0, "site-b", 2.0));
        assertEquals(2, cluster.directory().pool().snapshot().worker(w1).skills().size());

        ContentResponse unknown = admin("reset-skills", call("\"worker\":\"http://127.0.0.1:1/none\""), Cluster.SECRET);
        assertEquals(404, unknown.getStatus());
        assertEquals(401, admin("reset-skills", call("\"worker\":\"" + w1 + "\""), null).getStatus());
        assertEquals(2, cluster.directory().pool().snapshot().worker(w1).skills().size(), "refused calls reset nothing");
        ContentResponse one = admin("reset-skills", call("\"worker\":\"" + w1 + "\""), Cluster.SECRET);
        assertEquals(200, one.getStatus(), one.getContentAsString());
        assertEquals(Map.of(), cluster.directory().pool().snapshot().worker(w1).skills());
        assertEquals(1, cluster.directory().pool().size(), "the worker keeps its place");

        cluster.directory().pool().update(w1, null, Map.of("site-c", 1.0));
        ContentResponse all = admin("reset-skills", call("\"all\":true"), Cluster.SECRET);
        assertEquals(200, all.getStatus());
        assertEquals(1, JSON.readTree(all.getContent()).get("reset").asInt());
        assertEquals(Map.of(), cluster.directory().pool().snapshot().worker(w1).skills());
    }

    @Test
    void operationsAnswerLoopbackOnlyUnlessAdminAllowListsTheAddress() throws Exception {
        cluster = new Cluster(Map.of(), true);
        cluster.startWorker("w1", Map.of());
        cluster.awaitWorkers(1);
        for (String path : new String[] {"/_resumelb/", "/_resumelb/status", "/_resumelb/metrics"}) {
            ContentResponse r = get(path, "203.0.113.5");
            assertEquals(403, r.getStatus(), path);
            assertTrue(r.getContentAsString().contains("(setting statusAllow"), r.getContentAsString());
            assertEquals(200, get(path, null).getStatus(), path + " from loopback");
        }
        Request call = client.POST(cluster.proxyUrl() + "/_resumelb/admin/settings").headers(h -> h.put("X-Forwarded-For", "203.0.113.5"))
                .body(new BytesRequestContent("application/json", call("\"settings\":{\"variance\":2}").getBytes(StandardCharsets.UTF_8)));
        assertEquals(403, call.send().getStatus());
        Request push = client.POST(cluster.proxyUrl() + "/_resumelb/resumes").headers(h -> h.put("X-Forwarded-For", "203.0.113.5"))
                .body(new BytesRequestContent("application/json", "{}".getBytes(StandardCharsets.UTF_8)));
        assertEquals(401, push.send().getStatus(), "workers push from anywhere: the receiver checks signatures instead");
        assertEquals(200, get("/anything", "203.0.113.5").getStatus(), "proxied traffic is not affected");
        cluster.close();

        cluster = new Cluster(Map.of("adminAllow", "203.0.113.0/24"), true);
        assertEquals(200, get("/_resumelb/status", "203.0.113.5").getStatus());
        assertEquals(403, get("/_resumelb/status", "198.51.100.1").getStatus());
    }

    @Test
    void singleVersionRoutesToTheMajorityVersionAsANewVersionRollsOut() throws Exception {
        cluster = new Cluster(Map.of("singleVersion", "true"));
        cluster.startWorker("old1", Map.of("version", "1.9"));
        cluster.startWorker("old2", Map.of("version", "1.9"));
        cluster.awaitWorkers(2);
        assertEquals(java.util.Set.of("old1", "old2"), servedBy(40));

        cluster.startWorker("new1", Map.of("version", "1.10"));
        cluster.startWorker("new2", Map.of("version", "1.10"));
        awaitStates(Map.of("standby", 2L, "active", 2L));
        assertEquals(java.util.Set.of("old1", "old2"), servedBy(40), "a tie keeps the version in force");
        assertEquals("1.9", status().get("activeVersion").asText());

        cluster.startWorker("new3", Map.of("version", "1.10"));
        awaitStates(Map.of("standby", 2L, "active", 3L));
        assertEquals("1.10", status().get("activeVersion").asText());
        assertEquals(java.util.Set.of("new1", "new2", "new3"), servedBy(60), "only the new version routes");
    }

    /** The names of the workers that answered {@code n} GETs of varied classes. */
    java.util.Set<String> servedBy(int n) throws Exception {
        java.util.Set<String> names = new java.util.TreeSet<>();
        for (int i = 0; i < n; i++) {
            int site = i;
            ContentResponse r = client.newRequest(cluster.proxyUrl() + "/p").headers(h -> h.put(HttpHeader.HOST, "site-" + site + ".example"))
                    .timeout(10, TimeUnit.SECONDS).send();
            assertEquals(200, r.getStatus());
            names.add(r.getHeaders().get("X-Worker"));
        }
        return names;
    }

    /** Waits (bounded) until the status shows exactly these counts of workers by state. */
    void awaitStates(Map<String, Long> expected) throws Exception {
        long deadline = System.currentTimeMillis() + 10_000;
        Map<String, Long> states = Map.of();
        while (System.currentTimeMillis() < deadline) {
            states = new java.util.TreeMap<>();
            for (JsonNode w : status().get("workers")) {
                states.merge(w.get("state").asText(), 1L, Long::sum);
            }
            if (states.equals(expected)) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("worker states " + states + ", expected " + expected);
    }
}
