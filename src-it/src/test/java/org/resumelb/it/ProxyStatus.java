package org.resumelb.it;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One reading of a load balancer's public status, {@code GET <proxy>/_resumelb/status}
 * (JSON, answered on loopback): the tests see a pool only as an operator does,
 * never through the deployed webapp's objects. Works for any proxy URL, embedded
 * or in a real distribution.
 */
final class ProxyStatus {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** States of live workers; a worker in another state is joining (not reached yet) or has left the pool. */
    private static final Set<String> LIVE = Set.of("active", "standby");
    /** States of workers that have left the pool. */
    private static final Set<String> DEPARTED = Set.of("draining", "ejected", "expired");

    private final JsonNode json;

    private ProxyStatus(JsonNode json) {
        this.json = json;
    }

    /** The status without the class list (cheap: for polling). */
    static ProxyStatus read(String proxyUrl) {
        return read(proxyUrl, "classes=0");
    }

    /** The status with each pooled worker's résumé as the pool holds it ({@code resume}), without the class list. */
    static ProxyStatus withResumes(String proxyUrl) {
        return read(proxyUrl, "resumes=true&classes=0");
    }

    /** Everything: résumés and the default class list (the busiest 50). */
    static ProxyStatus full(String proxyUrl) {
        return read(proxyUrl, "resumes=true");
    }

    private static ProxyStatus read(String proxyUrl, String query) {
        URI uri = URI.create(proxyUrl + "/_resumelb/status?" + query);
        try {
            HttpResponse<byte[]> r = HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 200) {
                throw new IllegalStateException(uri + " answered " + r.statusCode() + ": " + new String(r.body()));
            }
            return new ProxyStatus(JSON.readTree(r.body()));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + uri, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Waits (bounded) until exactly these workers are live; returns the milliseconds waited. */
    static long awaitWorkers(String proxyUrl, Set<String> urls, long timeoutMillis) {
        long start = System.nanoTime();
        long deadline = System.currentTimeMillis() + timeoutMillis;
        Set<String> expected = new TreeSet<>(urls);
        Set<String> live;
        while (!(live = read(proxyUrl).liveWorkers()).equals(expected)) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError(proxyUrl + ": live workers " + live + ", expected " + expected);
            }
            It.sleep(10);
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    /** Workers listed, live or departed ({@code workers}, and {@code departed} should the page list them apart). */
    private Iterable<JsonNode> listed() {
        List<JsonNode> all = new ArrayList<>();
        json.path("workers").forEach(all::add);
        json.path("departed").forEach(all::add);
        return all;
    }

    private static boolean departed(JsonNode worker) {
        return DEPARTED.contains(worker.path("state").asText());
    }

    /** A setting as the status shows it in force ({@code settings}), or null when absent. */
    String setting(String name) {
        JsonNode v = json.path("settings").path(name);
        return v.isMissingNode() || v.isNull() ? null : v.asText();
    }

    /** URLs of the live workers (active or standby). */
    Set<String> liveWorkers() {
        Set<String> out = new TreeSet<>();
        for (JsonNode w : listed()) {
            if (LIVE.contains(w.path("state").asText())) {
                out.add(w.path("url").asText());
            }
        }
        return out;
    }

    /** Departed workers and why: DRAINING, EJECTED, EXPIRED. */
    Map<String, String> departed() {
        Map<String, String> out = new TreeMap<>();
        for (JsonNode w : listed()) {
            if (departed(w)) {
                out.put(w.path("url").asText(), w.path("state").asText().toUpperCase(Locale.ROOT));
            }
        }
        return out;
    }

    /**
     * Worker URL to its résumé as the pool holds it, for every worker in the pool
     * (a standby worker is live but not pooled: it has none). Needs
     * {@link #withResumes}.
     */
    Map<String, Map<String, Double>> resumes() {
        Map<String, Map<String, Double>> out = new TreeMap<>();
        for (JsonNode w : listed()) {
            JsonNode resume = w.get("resume");
            if (resume == null) {
                if (w.path("state").asText().equals("active")) {
                    throw new IllegalStateException("no \"resume\" for active worker " + w.path("url").asText()
                            + ": read with ?resumes=true from a proxy that supports it; status: " + json);
                }
                continue;
            }
            Map<String, Double> skills = new TreeMap<>();
            resume.properties().forEach(e -> skills.put(e.getKey(), e.getValue().doubleValue()));
            out.put(w.path("url").asText(), skills);
        }
        return out;
    }

    /** Live worker URL to a number its status entry holds ({@code requests}, {@code weight}, {@code backlog}). */
    Map<String, Double> perWorker(String member) {
        Map<String, Double> out = new TreeMap<>();
        for (JsonNode w : listed()) {
            if (!departed(w)) {
                JsonNode v = w.get(member);
                if (v == null || !v.isNumber()) {
                    throw new IllegalStateException("no number \"" + member + "\" for worker " + w.path("url").asText() + ": " + json);
                }
                out.put(w.path("url").asText(), v.doubleValue());
            }
        }
        return out;
    }

    /** Rejected pushes by reason. */
    Map<String, Long> rejected() {
        Map<String, Long> out = new TreeMap<>();
        json.path("pushes").path("rejected").properties().forEach(e -> out.put(e.getKey(), e.getValue().longValue()));
        return out;
    }

    /** Ejections of workers since the proxy started ({@code ejections}; 0 when the status has none). */
    long ejections() {
        return json.path("ejections").asLong(0);
    }

    /** Worker URL to its route id (what a sticky session's cookie carries after the dot), for every live worker. */
    Map<String, String> routes() {
        Map<String, String> out = new TreeMap<>();
        for (JsonNode w : listed()) {
            if (!departed(w)) {
                out.put(w.path("url").asText(), w.path("route").asText());
            }
        }
        return out;
    }

    /** Requests of sticky sessions sent to the worker of their route ({@code sticky.hits}). */
    long stickyHits() {
        return json.path("sticky").path("hits").asLong();
    }

    /** Requests of sticky sessions whose route no worker in the pool had, routed by class ({@code sticky.moved}). */
    long stickyMoved() {
        return json.path("sticky").path("moved").asLong();
    }

    /** Requests in flight on the pool's workers. */
    /** Requests of a priority class ({@code normal}, {@code high}) waiting in the admission queue (0 when admission is off). */
    int queued(String priority) {
        return json.path("admission").path("queued").path(priority).asInt(0);
    }

    /** Requests of a priority class whose admission ended with {@code outcome} ({@code admitted}, {@code dequeued}, …). */
    long admissions(String priority, String outcome) {
        return json.path("admission").path("outcomes").path(priority).path(outcome).asLong(0);
    }

    /**
     * Requests that reached admission since start: those waiting now plus every outcome counted, all priority
     * classes (0 when admission is off).
     */
    long reachedAdmission() {
        long n = 0;
        for (JsonNode queued : json.path("admission").path("queued")) {
            n += queued.asLong();
        }
        for (JsonNode byPriority : json.path("admission").path("outcomes")) {
            for (JsonNode count : byPriority) {
                n += count.asLong();
            }
        }
        return n;
    }

    int backlog() {
        JsonNode b = json.get("backlog");
        if (b == null || !b.isInt()) {
            throw new IllegalStateException("no backlog in the status: " + json);
        }
        return b.intValue();
    }

    /**
     * The pool's state: the whole status minus what moves by itself or counts
     * traffic rather than describing the pool: {@code time}, {@code uptimeSeconds},
     * the request counters ({@code requests} and {@code sticky} at the top, per worker and per
     * class), the push counters ({@code pushes}), and per worker the ages
     * {@code lastResumeSecondsAgo} and {@code oldestRequestSeconds}. Everything
     * else stays: policy, backlogs and their means, waiting, retries, ejections,
     * versions, every worker's URL, version, state, backlog, skill count and
     * résumé (exact scores), departed workers, classes with their skilled
     * workers and scores, settings in force. Two equal pool states are the same
     * pool. Needs {@link #full}.
     */
    JsonNode poolState() {
        ObjectNode state = json.deepCopy();
        state.remove(List.of("time", "uptimeSeconds", "requests", "sticky", "pushes"));
        for (String list : List.of("workers", "departed")) {
            for (JsonNode w : state.path(list)) {
                ((ObjectNode) w).remove(List.of("lastResumeSecondsAgo", "oldestRequestSeconds", "requests"));
            }
        }
        for (JsonNode c : state.path("classes").path("shown")) {
            ((ObjectNode) c).remove("requests");
        }
        return state;
    }

    @Override
    public String toString() {
        return json.toString();
    }
}
