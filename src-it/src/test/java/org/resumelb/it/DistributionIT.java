package org.resumelb.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resumelb.agent.resume.Resume;
import org.resumelb.agent.resume.ResumeCodec;
import org.resumelb.agent.resume.ResumeLimits;

/**
 * The proxy WAR and the newsroom worker WAR deployed unmodified into real
 * Apache Tomcat 10.1 and Jetty 12 distributions, each its own process; plus a
 * webapp that knows nothing of ResumeLB, with only the filter's drop-in jar
 * in WEB-INF/lib and settings in its web.xml. Traffic goes through the proxy,
 * and each class sticks to one worker.
 */
class DistributionIT {

    static final int SITES = 40;
    static final int ROUNDS = 8;

    HttpClient client;
    final List<ContainerProcess> processes = new ArrayList<>();
    @TempDir
    Path temp;

    @BeforeEach
    void start() throws Exception {
        client = new HttpClient();
        client.start();
    }

    @AfterEach
    void stop() throws Exception {
        for (ContainerProcess p : processes) {
            p.close();
        }
        client.stop();
    }

    @Test
    void deploysAndRoutesWithAffinityInTomcat() throws Exception {
        scenario(ContainerProcess.Kind.TOMCAT);
    }

    @Test
    void deploysAndRoutesWithAffinityInJetty() throws Exception {
        scenario(ContainerProcess.Kind.JETTY);
    }

    /** A webapp of static pages that knows nothing of ResumeLB: the drop-in jar, and settings in web.xml only. */
    Path dropInWebapp(String name, String lb, int port) throws Exception {
        Path dir = Files.createDirectories(temp.resolve(name));
        Files.createDirectories(dir.resolve("WEB-INF/lib"));
        Files.writeString(dir.resolve("index.html"), "<html><body>static page served by " + name + "</body></html>\n");
        Files.writeString(dir.resolve("WEB-INF/web.xml"), """
                <?xml version="1.0" encoding="UTF-8"?>
                <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
                  <display-name>plain static site</display-name>
                  <context-param><param-name>lb</param-name><param-value>%s</param-value></context-param>
                  <context-param><param-name>workerUrl</param-name><param-value>http://127.0.0.1:%d</param-value></context-param>
                  <context-param><param-name>secret</param-name><param-value>%s</param-value></context-param>
                  <context-param><param-name>history</param-name><param-value>5</param-value></context-param>
                  <context-param><param-name>resumeInterval</param-name><param-value>500ms</param-value></context-param>
                </web-app>
                """.formatted(lb, port, It.SECRET));
        Files.copy(Path.of(System.getProperty("it.dropin")), dir.resolve("WEB-INF/lib/resumelb-filter-all.jar"));
        return dir;
    }

    void scenario(ContainerProcess.Kind kind) throws Exception {
        String prefix = kind.name().toLowerCase();
        long started = System.nanoTime();
        ContainerProcess proxy = ContainerProcess.start(kind, prefix + "-proxy", It.freePort(), It.war("resumelb-proxy-webapp"),
                Map.of("RESUMELB_SECRET", It.SECRET, "RESUMELB_QUEUE_TIMEOUT", "30s"), List.of());
        processes.add(proxy);
        List<ContainerProcess> workers = new ArrayList<>();
        for (int i = 1; i <= 2; i++) {
            // The newsroom WAR unmodified; the per-deployment settings as an operator gives them.
            workers.add(ContainerProcess.start(kind, prefix + "-news" + i, It.freePort(), It.war("newsroom-worker"),
                    Map.of("RESUMELB_SECRET", It.SECRET, "RESUMELB_LB", proxy.url(), "RESUMELB_WORKER_URL", "http://127.0.0.1:${port}"),
                    List.of("-Dnewsroom.worker=" + prefix + "-news" + i, "-Dresumelb.resumeInterval=500ms")));
        }
        for (int i = 1; i <= 2; i++) {
            int port = It.freePort();
            String name = prefix + "-static" + i;
            workers.add(ContainerProcess.start(kind, name, port, dropInWebapp(name, proxy.url(), port), Map.of(), List.of()));
        }
        processes.addAll(workers);
        long proxyReady = proxy.awaitDeployed(client, "/_resumelb/resumes", 90_000);
        for (ContainerProcess w : workers) {
            w.awaitDeployed(client, "/_resumelb/resume", 90_000);
        }
        // Deployed is not joined: a worker whose first push waited for the proxy to deploy joins on a later try, and
        // classes placed before it joined are not its own.
        ProxyStatus.awaitWorkers(proxy.url(), workers.stream().map(ContainerProcess::url).collect(Collectors.toSet()), 90_000);
        long allUp = (System.nanoTime() - started) / 1_000_000;
        Map<String, List<String>> servedBy = new TreeMap<>();
        for (int round = 0; round < ROUNDS; round++) {
            for (int s = 0; s < SITES; s++) {
                String site = "site-" + s + "." + prefix;
                ContentResponse r = client.newRequest(proxy.url() + "/").headers(h -> h.put(HttpHeader.HOST, site))
                        .timeout(40, TimeUnit.SECONDS).send();
                assertEquals(200, r.getStatus(), site + ": " + r.getContentAsString());
                String worker = r.getHeaders().get("X-Worker") != null ? r.getHeaders().get("X-Worker")
                        : r.getContentAsString().replaceAll("(?s).*served by ([\\w-]+).*", "$1").trim();
                servedBy.computeIfAbsent(site, k -> new ArrayList<>()).add(worker);
            }
        }
        Map<String, String> owner = new TreeMap<>();
        int sticky = 0;
        for (var e : servedBy.entrySet()) {
            List<String> late = e.getValue().subList(ROUNDS / 2, ROUNDS);
            if (new HashSet<>(late).size() == 1) {
                sticky++;
            }
            owner.put(e.getKey(), late.get(late.size() - 1));
        }
        Set<String> used = new HashSet<>(owner.values());
        // The drop-in worker that owns classes in the second half reports them in its résumé (which static
        // worker that is depends on the rendezvous order, so it is looked up, not assumed).
        int ownerIndex = used.contains(prefix + "-static1") ? 2 : 3;
        String dropInOwner = prefix + "-static" + (ownerIndex - 1);
        Resume staticResume = new ResumeCodec(ResumeLimits.DEFAULT).decode(client.newRequest(workers.get(ownerIndex).url()
                + "/_resumelb/resume").timeout(10, TimeUnit.SECONDS).send().getContent());
        System.out.printf("%s: 5 processes up in %d ms (proxy deployed after %d ms); %d of %d classes stuck to one worker"
                        + " in the second half; owners %s; %s's résumé: %s%n",
                kind, allUp, proxyReady, sticky, SITES, owner, dropInOwner, staticResume.skills().keySet());
        assertEquals(SITES, sticky, "every class sticks to one worker: " + servedBy);
        assertTrue(used.stream().anyMatch(w -> w.contains("-news")), "newsroom WARs serve: " + used);
        assertTrue(used.stream().anyMatch(w -> w.contains("-static")), "drop-in jar webapps serve: " + used);
        owner.forEach((site, w) -> {
            if (w.equals(dropInOwner)) {
                assertTrue(staticResume.skills().containsKey(site),
                        "the drop-in filter timed its requests for " + site + ": " + staticResume.skills());
            }
        });
        Map<String, Integer> perWorker = new HashMap<>();
        owner.values().forEach(w -> perWorker.merge(w, 1, Integer::sum));
        assertTrue(perWorker.size() >= 3, "classes spread over workers: " + perWorker);
    }
}
