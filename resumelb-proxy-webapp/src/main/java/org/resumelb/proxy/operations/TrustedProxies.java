package org.resumelb.proxy.operations;

import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;

import org.resumelb.agent.net.AddressList;

/**
 * The reverse proxies in front of the load balancer whose forwarding headers it
 * believes (setting {@code trustedProxies}: IP addresses and CIDR blocks;
 * default none), and who sent a request as far as the load balancer can tell
 * without being lied to.
 *
 * <p>Three headers name a client: {@code Forwarded} (RFC 7239, its {@code for=}
 * parameters), {@code X-Forwarded-For} and {@code X-Real-IP} ({@link #CLIENT_HEADERS}).
 * Anyone can write them, so they count only when the connection comes from a
 * trusted proxy; then the client is the rightmost address of the chain that is
 * not a trusted proxy itself ({@link #client}). From anyone else, the client
 * is the connection's remote address, and the headers are only a sign that the
 * request was forwarded ({@link #forwarded}): {@link Operations} never lets
 * such a request in as loopback.
 *
 * <p>Immutable and thread-safe; nothing here resolves a name.
 */
public final class TrustedProxies {

    /**
     * A request's values of one header by name, every field of that name in
     * order (none: an empty enumeration or null), as
     * {@code HttpServletRequest::getHeaders} gives them.
     */
    @FunctionalInterface
    public interface Headers {
        Enumeration<String> values(String name);

        /** A request without headers. */
        Headers NONE = name -> null;
    }

    /** The headers that name a client: a request with any of them was forwarded, or says so. */
    public static final List<String> CLIENT_HEADERS = List.of("Forwarded", "X-Forwarded-For", "X-Real-IP");

    /** No proxy is trusted (the default). */
    public static final TrustedProxies NONE = new TrustedProxies(AddressList.NONE);

    private final AddressList proxies;

    private TrustedProxies(AddressList proxies) {
        this.proxies = proxies;
    }

    /**
     * Parses {@code trustedProxies}; blank is {@link #NONE}.
     *
     * @throws IllegalArgumentException naming an entry that is not an IP address or CIDR block
     */
    public static TrustedProxies parse(String spec) {
        AddressList list = AddressList.parse(spec);
        if (list.everyone()) {
            throw new IllegalArgumentException("'*' would believe every client's forwarding headers: list the proxies' addresses");
        }
        return list.isEmpty() ? NONE : new TrustedProxies(list);
    }

    /** Whether a connection from this address (a literal, as the servlet API gives it) comes from a trusted proxy. */
    public boolean trusts(String address) {
        return !proxies.isEmpty() && proxies.contains(address);
    }

    public boolean isEmpty() {
        return proxies.isEmpty();
    }

    /** Whether the request carries any of {@link #CLIENT_HEADERS}, whatever their value. */
    public static boolean forwarded(Headers headers) {
        for (String name : CLIENT_HEADERS) {
            Enumeration<String> values = headers.values(name);
            if (values != null && values.hasMoreElements()) {
                return true;
            }
        }
        return false;
    }

    /**
     * The address of the request's client: {@code peer} (the connection's remote
     * address) unless it is a trusted proxy; otherwise the rightmost address of
     * {@code X-Forwarded-For} (else of {@code Forwarded}'s {@code for=}, else
     * {@code X-Real-IP}) that is not a trusted proxy, or the leftmost when all
     * are. What is returned may be anything a trusted proxy passed on
     * ({@code unknown}, an obfuscated name): a check of it against an address
     * list then fails, as it should.
     */
    public String client(String peer, Headers headers) {
        if (!trusts(peer)) {
            return peer;
        }
        List<String> chain = xForwardedFor(headers);
        if (chain.isEmpty()) {
            chain = forwardedFor(headers);
        }
        if (chain.isEmpty()) {
            chain = all(headers, "X-Real-IP");
        }
        if (chain.isEmpty()) {
            return peer;
        }
        for (int i = chain.size() - 1; i >= 0; i--) {
            if (!trusts(chain.get(i))) {
                return chain.get(i);
            }
        }
        return chain.get(0);
    }

    /** The addresses of every {@code X-Forwarded-For} field, in order, without blanks. */
    static List<String> xForwardedFor(Headers headers) {
        List<String> out = new ArrayList<>(2);
        for (String value : all(headers, "X-Forwarded-For")) {
            for (String part : value.split(",")) {
                String a = part.trim();
                if (!a.isEmpty()) {
                    out.add(a);
                }
            }
        }
        return out;
    }

    /** The {@code for=} nodes of every {@code Forwarded} element, in order, unquoted, without brackets or port. */
    static List<String> forwardedFor(Headers headers) {
        List<String> out = new ArrayList<>(2);
        for (String value : all(headers, "Forwarded")) {
            for (String element : splitOutsideQuotes(value, ',')) {
                for (String pair : splitOutsideQuotes(element, ';')) {
                    int eq = pair.indexOf('=');
                    if (eq > 0 && pair.substring(0, eq).trim().toLowerCase(Locale.ROOT).equals("for")) {
                        out.add(node(unquote(pair.substring(eq + 1).trim())));
                    }
                }
            }
        }
        return out;
    }

    /** A {@code for=} node without its port and IPv6 brackets: {@code [2001:db8::1]:47} is {@code 2001:db8::1}. */
    private static String node(String n) {
        if (n.startsWith("[")) {
            int close = n.indexOf(']');
            return close > 0 ? n.substring(1, close) : n;
        }
        int colon = n.indexOf(':');
        return colon >= 0 && n.indexOf(':', colon + 1) < 0 ? n.substring(0, colon) : n;
    }

    private static String unquote(String v) {
        if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
            StringBuilder s = new StringBuilder(v.length());
            for (int i = 1; i < v.length() - 1; i++) {
                char c = v.charAt(i);
                if (c == '\\' && i + 1 < v.length() - 1) {
                    c = v.charAt(++i);
                }
                s.append(c);
            }
            return s.toString();
        }
        return v;
    }

    private static List<String> splitOutsideQuotes(String s, char separator) {
        List<String> parts = new ArrayList<>(2);
        boolean quoted = false;
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (c == '\\' && quoted) {
                i++;
            } else if (c == separator && !quoted) {
                parts.add(s.substring(start, i).trim());
                start = i + 1;
            }
        }
        parts.add(s.substring(start).trim());
        parts.removeIf(String::isEmpty);
        return parts;
    }

    /** Every field of a header, in order, trimmed, without blanks. */
    static List<String> all(Headers headers, String name) {
        Enumeration<String> values = headers.values(name);
        if (values == null || !values.hasMoreElements()) {
            return List.of();
        }
        List<String> out = new ArrayList<>(1);
        while (values.hasMoreElements()) {
            String v = values.nextElement();
            if (v != null && !v.isBlank()) {
                out.add(v.trim());
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return proxies.isEmpty() ? "none" : proxies.toString();
    }
}
