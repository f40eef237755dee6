package org.resumelb.proxy.route;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

import org.resumelb.agent.net.AddressList;
import org.resumelb.proxy.operations.TrustedProxies;

/**
 * The forwarding headers a worker gets, decided from the client's connection
 * and, only when that connection comes from a trusted proxy
 * ({@code trustedProxies}), from the headers the client sent. This is how the
 * client's address reaches the worker ("the real IP"), and why a client cannot
 * make it up.
 *
 * <ul>
 * <li>From a client that is not a trusted proxy (the default: every client),
 * whatever it sent of {@link #NAMES} is dropped, and the load balancer sets
 * {@code X-Forwarded-For: <remote address>}, {@code X-Forwarded-Proto},
 * {@code X-Forwarded-Host} (its {@code Host}), {@code X-Forwarded-Port} (the
 * port the connection came in on) and
 * {@code Forwarded: for=<remote address>;host=<Host>;proto=<scheme>} (RFC 7239).
 * {@code X-Real-IP} is not sent.
 * <li>From a trusted proxy, the chains are kept and this hop appended:
 * {@code X-Forwarded-For: <what came>, <remote address>}, and
 * {@code Forwarded: <what came>, for=…}; {@code X-Forwarded-Proto},
 * {@code -Host}, {@code -Port} and {@code X-Real-IP} are passed on as they came,
 * and the first three set from the connection when they did not.
 * </ul>
 *
 * So in {@code X-Forwarded-For} (and in {@code Forwarded}'s {@code for=}) every
 * address right of the first one a trusted proxy did not add was added by a
 * trusted proxy or by this load balancer: a worker takes the rightmost address
 * that is not one of its load balancers or trusted proxies as the client's.
 *
 * <p>Servlet-free: the servlet passes what it reads from the request and
 * writes the result ({@link #write}). Immutable and thread-safe.
 */
public final class ForwardedHeaders {

    /** The headers this class decides: whatever the client sent of them is removed from the forwarded request first. */
    public static final List<String> NAMES = List.of("Forwarded", "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host",
            "X-Forwarded-Port", "X-Real-IP");

    private final TrustedProxies trustedProxies;

    public ForwardedHeaders(TrustedProxies trustedProxies) {
        this.trustedProxies = trustedProxies;
    }

    /**
     * The forwarding headers of the request to the worker, in order; the
     * forwarded request carries none of {@link #NAMES} but these.
     *
     * @param remoteAddress the connection's remote address ({@code getRemoteAddr()})
     * @param scheme the scheme the client used ({@code getScheme()})
     * @param host the client's {@code Host} header, null when it sent none
     * @param localPort the port the connection came in on ({@code getLocalPort()})
     * @param client the client's headers ({@code clientRequest::getHeaders})
     */
    public Map<String, String> decide(String remoteAddress, String scheme, String host, int localPort, TrustedProxies.Headers client) {
        Map<String, String> out = new LinkedHashMap<>();
        boolean trusted = trustedProxies.trusts(remoteAddress);
        String peer = bare(remoteAddress);
        String forwardedFor = trusted ? joined(client, "X-Forwarded-For") : null;
        out.put("X-Forwarded-For", forwardedFor == null ? peer : forwardedFor + ", " + peer);
        String proto = trusted ? joined(client, "X-Forwarded-Proto") : null;
        out.put("X-Forwarded-Proto", proto != null ? proto : scheme);
        String forwardedHost = trusted ? joined(client, "X-Forwarded-Host") : null;
        if (forwardedHost != null) {
            out.put("X-Forwarded-Host", forwardedHost);
        } else if (host != null && !host.isBlank()) {
            out.put("X-Forwarded-Host", host.trim());
        }
        String port = trusted ? joined(client, "X-Forwarded-Port") : null;
        if (port != null) {
            out.put("X-Forwarded-Port", port);
        } else if (localPort > 0) {
            out.put("X-Forwarded-Port", Integer.toString(localPort));
        }
        StringBuilder element = new StringBuilder(64).append("for=").append(node(peer));
        if (host != null && !host.isBlank()) {
            element.append(";host=").append(value(host.trim()));
        }
        if (scheme != null && !scheme.isBlank()) {
            element.append(";proto=").append(value(scheme));
        }
        String chain = trusted ? joined(client, "Forwarded") : null;
        out.put("Forwarded", chain == null ? element.toString() : chain + ", " + element);
        String realIp = trusted ? joined(client, "X-Real-IP") : null;
        if (realIp != null) {
            out.put("X-Real-IP", realIp);
        }
        return out;
    }

    /**
     * {@link #decide}, written to the forwarded request: every one of
     * {@link #NAMES} removed, then the decided ones put. With Jetty's client
     * request: {@code proxyRequest.headers(h -> forwardedHeaders.write(…, h::remove, h::put))}.
     */
    public void write(String remoteAddress, String scheme, String host, int localPort, TrustedProxies.Headers client,
                      Consumer<String> remove, BiConsumer<String, String> put) {
        Map<String, String> headers = decide(remoteAddress, scheme, host, localPort, client);
        NAMES.forEach(remove);
        headers.forEach(put);
    }

    /** Every field of a header joined with ", ", or null when there is none (or only blanks). */
    private static String joined(TrustedProxies.Headers client, String name) {
        java.util.Enumeration<String> values = client.values(name);
        if (values == null) {
            return null;
        }
        List<String> parts = new ArrayList<>(1);
        for (String v : Collections.list(values)) {
            if (v != null && !v.isBlank()) {
                parts.add(v.trim());
            }
        }
        return parts.isEmpty() ? null : String.join(", ", parts);
    }

    /** An address without IPv6 brackets, or {@code unknown} when there is none. */
    private static String bare(String address) {
        if (address == null || address.isBlank()) {
            return "unknown";
        }
        return address.startsWith("[") && address.endsWith("]") ? address.substring(1, address.length() - 1) : address;
    }

    /** A {@code for=} node (RFC 7239 section 6): an IPv6 address is quoted in brackets. */
    private static String node(String address) {
        // Only a literal with a colon can be IPv6: the common IPv4 case is not parsed (a parse compiles regular expressions).
        if (address.indexOf(':') >= 0 && AddressList.address(address) instanceof java.net.Inet6Address) {
            return "\"[" + address + "]\"";
        }
        return value(address);
    }

    /** A parameter value: a token as it is, anything else as a quoted string. */
    static String value(String v) {
        boolean token = !v.isEmpty();
        for (int i = 0; i < v.length() && token; i++) {
            char c = v.charAt(i);
            token = c < 127 && (Character.isLetterOrDigit(c) || "!#$%&'*+-.^_`|~".indexOf(c) >= 0);
        }
        if (token) {
            return v;
        }
        StringBuilder q = new StringBuilder(v.length() + 2).append('"');
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '"' || c == '\\') {
                q.append('\\');
            }
            q.append(c < 0x20 || c == 0x7f ? '_' : c);
        }
        return q.append('"').toString();
    }
}
