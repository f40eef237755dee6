package org.resumelb.samples.newsroom;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.servlet.ServletConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

/**
 * The newsroom worker's web face. Any GET serves a page of the site named by
 * the Host header (without port and leading {@code www.}), touching its
 * objects through the {@link Newsroom} cache; the response says which worker
 * served it and how many objects were hits and misses
 * ({@code X-Worker}, {@code X-Hits}, {@code X-Misses}).
 * {@code GET /_newsroom/stats} answers the worker's totals as JSON.
 * {@code GET /_newsroom/session} opens an HTTP session (the container's, with
 * its session cookie) or continues the one the request names, counts the
 * session's visits and answers {@code {"worker":…, "session":…, "new":…, "visits":…}};
 * it touches no cache and no counter of the stats, so sticky-session tests stay
 * out of the demo's figures. A POST reads its body first
 * ({@code X-Received-Bytes}) and may be slowed with {@code ?delay=<ms>}.
 *
 * <p>Settings: each of {@code objectsPerSite}, {@code objectsPerRequest},
 * {@code spread}, {@code cacheObjects}, {@code missMicros}, {@code objectBytes},
 * {@code cores}, {@code cpuMicros} and {@code worker} is read from the system property or the context-param
 * {@code newsroom.<name>} (so a deployment can set it without touching the
 * WAR), else from this servlet's init-param (the defaults in web.xml).
 * {@code cores} and {@code cpuMicros} bound the worker's capacity as if it ran
 * on its own machine ({@link Capacity}); unset, there is no bound.
 */
public class NewsroomServlet extends HttpServlet {

    private Newsroom newsroom;
    private String worker;

    @Override
    public void init(ServletConfig config) throws ServletException {
        super.init(config);
        try {
            int objectsPerSite = Integer.parseInt(setting("objectsPerSite", "500"));
            newsroom = new Newsroom(objectsPerSite,
                    Integer.parseInt(setting("objectsPerRequest", "10")),
                    Double.parseDouble(setting("spread", Double.toString(objectsPerSite / 4.0))),
                    Long.parseLong(setting("cacheObjects", "10000")),
                    Long.parseLong(setting("missMicros", "1000")),
                    Integer.parseInt(setting("objectBytes", "256")),
                    Capacity.parse(setting("cores", "0"), setting("cpuMicros", "0")));
        } catch (IllegalArgumentException e) {
            throw new ServletException("newsroom worker: invalid setting: " + e.getMessage(), e);
        }
        worker = setting("worker", hostname() + getServletContext().getContextPath());
    }

    private String setting(String name, String defaultValue) {
        String v = System.getProperty("newsroom." + name);
        if (v == null || v.isBlank()) {
            v = getServletContext().getInitParameter("newsroom." + name);
        }
        if (v == null || v.isBlank()) {
            v = getInitParameter(name);
        }
        return v == null || v.isBlank() ? defaultValue : v.trim();
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "worker";
        }
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String path = request.getRequestURI().substring(request.getContextPath().length());
        response.setHeader("X-Worker", worker);
        if (path.equals("/_newsroom/stats")) {
            response.setContentType("application/json");
            write(response, "{\"worker\":\"" + worker + "\",\"requests\":" + newsroom.requests() + ",\"hits\":" + newsroom.hits()
                    + ",\"misses\":" + newsroom.misses() + ",\"cached\":" + newsroom.cached()
                    + ",\"cores\":" + newsroom.capacity().cores() + ",\"cpuMicros\":" + newsroom.capacity().cpuMicros()
                    + ",\"coreWaitMicros\":" + newsroom.capacity().waitedMicros() + "}\n");
            return;
        }
        if (path.equals("/_newsroom/session")) {
            HttpSession session = request.getSession(true);
            // Set once, by the request that created the session (no other request can name it yet).
            AtomicInteger counter = (AtomicInteger) session.getAttribute("visits");
            if (counter == null) {
                counter = new AtomicInteger();
                session.setAttribute("visits", counter);
            }
            int visits = counter.incrementAndGet();
            response.setContentType("application/json");
            response.setHeader("Cache-Control", "no-store");
            write(response, "{\"worker\":\"" + worker + "\",\"session\":\"" + session.getId() + "\",\"new\":" + session.isNew()
                    + ",\"visits\":" + visits + "}\n");
            return;
        }
        String site = site(request.getHeader("Host"));
        Newsroom.Visit visit = newsroom.serve(site, ThreadLocalRandom.current());
        response.setHeader("X-Hits", Integer.toString(visit.hits()));
        response.setHeader("X-Misses", Integer.toString(visit.misses()));
        response.setContentType("text/html;charset=utf-8");
        write(response, "<!DOCTYPE html><html><head><title>" + site + "</title></head><body><h1>" + site + "</h1><p>Served by "
                + worker + ": " + visit.hits() + " objects from cache, " + visit.misses() + " from the database.</p></body></html>\n");
    }

    /**
     * A write: the body is read (and counted) and the site's page served as for
     * a GET; {@code ?delay=<ms>} (at most 10 s) models a slow write.
     */
    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        long bytes = request.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
        String delay = request.getParameter("delay");
        if (delay != null) {
            try {
                Thread.sleep(Math.min(10_000, Math.max(0, Long.parseLong(delay))));
            } catch (NumberFormatException e) {
                response.sendError(HttpServletResponse.SC_BAD_REQUEST, "delay must be a number of milliseconds");
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        response.setHeader("X-Received-Bytes", Long.toString(bytes));
        doGet(request, response);
    }

    static String site(String host) {
        if (host == null || host.isEmpty()) {
            return "default";
        }
        String h = host.toLowerCase(java.util.Locale.ROOT);
        int colon = h.indexOf(':');
        if (colon >= 0) {
            h = h.substring(0, colon);
        }
        return h.startsWith("www.") ? h.substring(4) : h;
    }

    private static void write(HttpServletResponse response, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }
}
