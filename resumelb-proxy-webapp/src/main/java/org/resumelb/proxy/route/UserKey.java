package org.resumelb.proxy.route;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;

import org.resumelb.agent.protocol.Protocol;
import org.resumelb.proxy.operations.TrustedProxies;

/**
 * Who a request's user is, for the fairness of the {@link AdmissionQueue}
 * (setting {@code userKey}), decided at the edge from what the client sent:
 *
 * <ul>
 * <li>unset ({@link #NONE}): every request is one user, so waiting requests
 * are served first come, first served (within a priority class), and
 * {@code maxQueuedPerUser} does not apply;
 * <li>{@code ip}: the client's address, as {@link TrustedProxies#client}
 * resolves it: the connection's address, or, from a proxy in
 * {@code trustedProxies}, the rightmost address of its forwarding chain that
 * is not a trusted proxy;
 * <li>{@code header:<name>}: the value of that request header (all its fields
 * joined), e.g. set by an authenticating proxy in front;
 * <li>{@code cookie:<name>}: the value of that cookie, e.g. a session.
 * </ul>
 *
 * A request without the header or cookie is keyed by its client's address, as
 * for {@code ip}, so leaving it out earns no share of its own. A header or a
 * cookie is only as honest as whoever sets it: a client that makes up a new
 * value per request is a new user per request. The key orders waiting
 * requests and nothing else: it is never sent to a worker (the header or
 * cookie goes on as the client sent it, as every header does). An
 * {@code X-ResumeLB-*} header, the load balancer's own voice, cannot be a key.
 *
 * <p>Immutable and thread-safe.
 */
public final class UserKey {

    /** What {@code userKey} accepts, for the message of an invalid value. */
    public static final String ACCEPTED = "ip, header:<name> or cookie:<name> (or unset: every request one user)";

    private enum Kind { NONE, IP, HEADER, COOKIE }

    /** Every request is one user. */
    public static final UserKey NONE = new UserKey(Kind.NONE, null);

    private final Kind kind;
    private final String name;

    private UserKey(Kind kind, String name) {
        this.kind = kind;
        this.name = name;
    }

    /**
     * Parses {@code userKey}; blank is {@link #NONE}.
     *
     * @throws IllegalArgumentException saying what is wrong with the value
     */
    public static UserKey parse(String spec) {
        String s = spec == null ? "" : spec.trim();
        if (s.isEmpty()) {
            return NONE;
        }
        if (s.equals("ip")) {
            return new UserKey(Kind.IP, null);
        }
        int colon = s.indexOf(':');
        String kind = colon < 0 ? s : s.substring(0, colon);
        String name = colon < 0 ? "" : s.substring(colon + 1).trim();
        if (!kind.equals("header") && !kind.equals("cookie")) {
            throw new IllegalArgumentException("unknown user key '" + kind + "'");
        }
        if (!isToken(name)) {
            throw new IllegalArgumentException("'" + name + "' is not a " + kind + " name");
        }
        if (kind.equals("header")) {
            if (Protocol.isInternalHeader(name)) {
                throw new IllegalArgumentException(name + " is the load balancer's own header, stripped from clients");
            }
            return new UserKey(Kind.HEADER, name);
        }
        return new UserKey(Kind.COOKIE, name);
    }

    /** Whether requests are told apart by user (false for {@link #NONE}). */
    public boolean perUser() {
        return kind != Kind.NONE;
    }

    /**
     * The user of a request: a string only compared with other requests'
     * (keys of different kinds never collide).
     *
     * @param remoteAddress the connection's remote address
     * @param trusted the proxies whose forwarding headers are believed ({@code trustedProxies})
     * @param headers the request's headers
     */
    public String of(String remoteAddress, TrustedProxies trusted, TrustedProxies.Headers headers) {
        switch (kind) {
            case NONE:
                return "";
            case HEADER: {
                String v = joined(headers.values(name));
                if (v != null) {
                    return "h:" + v;
                }
                break;
            }
            case COOKIE: {
                String v = cookie(headers.values("Cookie"), name);
                if (v != null) {
                    return "c:" + v;
                }
                break;
            }
            default:
                break;
        }
        return "ip:" + trusted.client(remoteAddress, headers);
    }

    /** The value of cookie {@code name} in {@code Cookie} header fields, or null; the first one wins. */
    static String cookie(Enumeration<String> fields, String name) {
        if (fields == null) {
            return null;
        }
        while (fields.hasMoreElements()) {
            String field = fields.nextElement();
            if (field == null) {
                continue;
            }
            for (String pair : field.split(";")) {
                int eq = pair.indexOf('=');
                if (eq > 0 && pair.substring(0, eq).trim().equals(name)) {
                    String v = pair.substring(eq + 1).trim();
                    return v.isEmpty() ? null : v;
                }
            }
        }
        return null;
    }

    private static String joined(Enumeration<String> fields) {
        if (fields == null) {
            return null;
        }
        List<String> parts = new ArrayList<>(1);
        for (String v : Collections.list(fields)) {
            if (v != null && !v.isBlank()) {
                parts.add(v.trim());
            }
        }
        return parts.isEmpty() ? null : String.join(",", parts);
    }

    /** An RFC 9110 token: what a header or cookie name is made of. */
    static boolean isToken(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c < 127 && (Character.isLetterOrDigit(c) || "!#$%&'*+-.^_`|~".indexOf(c) >= 0))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return switch (kind) {
            case NONE -> "";
            case IP -> "ip";
            case HEADER -> "header:" + name;
            case COOKIE -> "cookie:" + name;
        };
    }
}
