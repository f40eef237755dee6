package org.resumelb.proxy.route;

import java.util.Objects;

import org.resumelb.proxy.pool.RouteId;

/**
 * Sticky sessions by cookie ({@code sticky=cookie:<name>}), without HTTP: the
 * route suffix the load balancer adds to a session cookie's value on the way
 * to the client, and reads and removes on the way back.
 *
 * <ul>
 * <li>Outbound ({@link #setCookie}): a worker's {@code Set-Cookie} of the
 * cookie {@code <name>=<value>} becomes {@code <name>=<value>.<route>}, where
 * {@code <route>} is the worker's {@link RouteId} (mod_jk's jvmRoute
 * convention, but written by the load balancer, so workers need no
 * configuration). A quoted value keeps its quotes, every attribute stays as
 * the worker wrote it, and an empty value (the cookie's deletion) is left
 * alone.
 * <li>Inbound ({@link #route}): the route of a request is the suffix of the
 * first cookie of that name whose value ends in a dot and a well-formed route
 * id ({@link RouteId#isRouteId}); the router sends the request to the worker
 * in the pool with that route id, if there is one.
 * <li>Forwarded ({@link #strip}): every such suffix is removed from the
 * {@code Cookie} header before it reaches any worker, so the application
 * sees its own session id (a value that itself holds dots, such as Jetty's
 * {@code node0…​.node0}, keeps them: only the last dot and a route id go).
 * A value without a well-formed route suffix is forwarded as it came.
 * </ul>
 *
 * <p>A client may write any route suffix it likes. That only chooses among the
 * workers in the pool (as with HAProxy's or mod_jk's cookies): a route id is a
 * hash, never a URL, and one that no worker in the pool has is routed by class
 * as usual.
 *
 * <p>Cookie names are compared exactly (they are case-sensitive); cookie pairs
 * are split at {@code ;} and trimmed of spaces and tabs, as RFC 6265 section
 * 5.4 writes them and as browsers send them. Immutable and thread-safe; no
 * method allocates when there is nothing to change.
 */
public final class StickyCookie {

    /** What the {@code sticky} setting accepts, for its error message. */
    public static final String ACCEPTED = "cookie:<name>, where <name> is the session cookie's name (an RFC 6265 token,"
            + " e.g. cookie:JSESSIONID); unset: no sticky sessions";

    private static final String PREFIX = "cookie:";

    private final String name;

    private StickyCookie(String name) {
        this.name = name;
    }

    /**
     * The {@code sticky} setting: {@code cookie:<name>}, or blank for none (null).
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static StickyCookie parse(String spec) {
        if (spec == null || spec.isBlank()) {
            return null;
        }
        String s = spec.trim();
        if (!s.startsWith(PREFIX)) {
            throw new IllegalArgumentException("not cookie:<name>");
        }
        return of(s.substring(PREFIX.length()));
    }

    /**
     * Sticky sessions by the cookie {@code name}.
     *
     * @throws IllegalArgumentException when {@code name} is not an RFC 6265 token
     */
    public static StickyCookie of(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("the cookie name is empty");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c <= 0x20 || c >= 0x7f || "()<>@,;:\\\"/[]?={}".indexOf(c) >= 0) {
                throw new IllegalArgumentException("'" + name + "' is not a cookie name: character " + (i + 1)
                        + " is a space, a control, a separator or not ASCII");
            }
        }
        return new StickyCookie(name);
    }

    /** The session cookie's name. */
    public String name() {
        return name;
    }

    /**
     * The route id the request's {@code Cookie} header points at: the route
     * suffix of the first cookie of this name that has one; null when there is
     * none (no header, no such cookie, or no well-formed suffix).
     */
    public String route(String cookieHeader) {
        if (cookieHeader == null) {
            return null;
        }
        int route = nextRoute(cookieHeader, 0);
        return route < 0 ? null : cookieHeader.substring(route, route + RouteId.LENGTH);
    }

    /**
     * The {@code Cookie} header as a worker gets it: every cookie of this name
     * without its route suffix, everything else as it was. Returns the same
     * string when there is nothing to remove (null for null).
     */
    public String strip(String cookieHeader) {
        if (cookieHeader == null) {
            return null;
        }
        StringBuilder stripped = null;
        int copied = 0;
        for (int route = nextRoute(cookieHeader, 0); route >= 0; ) {
            if (stripped == null) {
                stripped = new StringBuilder(cookieHeader.length());
            }
            stripped.append(cookieHeader, copied, route - 1); // up to the dot
            copied = route + RouteId.LENGTH;
            int next = cookieHeader.indexOf(';', copied); // the end of this pair
            route = next < 0 ? -1 : nextRoute(cookieHeader, next + 1);
        }
        return stripped == null ? cookieHeader : stripped.append(cookieHeader, copied, cookieHeader.length()).toString();
    }

    /**
     * A worker's {@code Set-Cookie} value as the client gets it: for this
     * cookie with a non-empty value, the value followed by {@code .<route>};
     * any other header value unchanged (the same string).
     *
     * @param route the route id of the worker that answered ({@link RouteId})
     */
    public String setCookie(String setCookie, String route) {
        if (setCookie == null) {
            return null;
        }
        int end = setCookie.indexOf(';');
        if (end < 0) {
            end = setCookie.length();
        }
        int value = valueStart(setCookie, 0, end);
        if (value < 0) {
            return setCookie;
        }
        int valueEnd = trimEnd(setCookie, value, end);
        if (quoted(setCookie, value, valueEnd)) {
            value++;
            valueEnd--; // the suffix goes inside the quotes
        }
        if (valueEnd == value) {
            return setCookie; // an empty value: the cookie is being deleted
        }
        return new StringBuilder(setCookie.length() + 1 + route.length())
                .append(setCookie, 0, valueEnd).append('.').append(route).append(setCookie, valueEnd, setCookie.length()).toString();
    }

    /**
     * Where the route suffix starts in the first cookie pair of the header,
     * from the pair that starts at {@code from} (0, or just after a {@code ;})
     * on, that is this cookie with a route suffix ({@link #routeIn}); -1 when
     * there is none.
     */
    private int nextRoute(String header, int from) {
        for (int start = from, n = header.length(); start < n; ) {
            int end = header.indexOf(';', start);
            if (end < 0) {
                end = n;
            }
            int route = routeIn(header, start, end);
            if (route >= 0) {
                return route;
            }
            start = end + 1;
        }
        return -1;
    }

    /**
     * For the cookie pair {@code s[start, end)}: when it is this cookie and its
     * value (inside quotes, if quoted) ends in a dot and a route id after at
     * least one character, where the route id starts; otherwise -1.
     */
    private int routeIn(String s, int start, int end) {
        int value = valueStart(s, start, end);
        if (value < 0) {
            return -1;
        }
        int valueEnd = trimEnd(s, value, end);
        if (quoted(s, value, valueEnd)) {
            value++;
            valueEnd--;
        }
        int route = valueEnd - RouteId.LENGTH;
        if (route - 1 <= value || s.charAt(route - 1) != '.' || !RouteId.isRouteId(s, route, valueEnd)) {
            return -1;
        }
        return route;
    }

    /**
     * For the cookie pair {@code s[start, end)}: when its name is this cookie's,
     * where its value starts (after {@code =} and spaces); otherwise -1.
     */
    private int valueStart(String s, int start, int end) {
        int i = skipSpace(s, start, end);
        if (end - i <= name.length() || !s.startsWith(name, i)) {
            return -1;
        }
        i = skipSpace(s, i + name.length(), end);
        if (i >= end || s.charAt(i) != '=') {
            return -1;
        }
        return skipSpace(s, i + 1, end);
    }

    /** Whether the value {@code s[value, valueEnd)} is in double quotes. */
    private static boolean quoted(String s, int value, int valueEnd) {
        return valueEnd - value >= 2 && s.charAt(value) == '"' && s.charAt(valueEnd - 1) == '"';
    }

    private static int skipSpace(String s, int i, int end) {
        while (i < end && isSpace(s.charAt(i))) {
            i++;
        }
        return i;
    }

    private static int trimEnd(String s, int start, int end) {
        while (end > start && isSpace(s.charAt(end - 1))) {
            end--;
        }
        return end;
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t';
    }

    @Override
    public String toString() {
        return PREFIX + name;
    }
}
