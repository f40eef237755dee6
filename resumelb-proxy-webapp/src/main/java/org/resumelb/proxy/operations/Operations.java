package org.resumelb.proxy.operations;

import java.util.Set;

import org.resumelb.agent.protocol.Protocol;

/**
 * Which of the load balancer's own endpoints a request is for, and whether its
 * sender may use it, decided from the path, the method, the remote address and
 * the forwarding headers alone (no servlet types, so it is tested without a
 * container). Everything under the prefix ({@code /_resumelb} by default) is
 * the load balancer's and never proxied: {@code POST <prefix>/resumes} takes
 * résumé pushes from anyone (they are signed); the dashboard, {@code /status}
 * and {@code /metrics} answer the addresses {@code statusAllow} or
 * {@code adminAllow} lists; admin calls ({@code /admin/...}) only those
 * {@code adminAllow} lists; loopback always, for both.
 *
 * <p><b>The loopback rule.</b> A request that carries any of {@code Forwarded},
 * {@code X-Forwarded-For} or {@code X-Real-IP} is never let in as loopback,
 * whatever its remote address: behind a reverse proxy on the same host every
 * request comes from loopback, and a container that believes
 * {@code X-Forwarded-For} (Jetty's {@code ForwardedRequestCustomizer}, Tomcat's
 * {@code RemoteIpValve}) reports as remote address whatever the client claims.
 * Such a request is judged by its client's address: the rightmost address of
 * the chain not of a trusted proxy when the connection comes from one of
 * {@code trustedProxies} ({@link TrustedProxies#client}), else the remote
 * address; and that address must be listed in the setting itself.
 *
 * <p>A refusal names the setting to change, never the addresses it lists.
 *
 * <p>Immutable and thread-safe.
 */
public final class Operations {

    /** The endpoints. */
    public enum Endpoint {
        /** {@code <prefix>} without the slash: redirect to the dashboard. */
        REDIRECT(Set.of()),
        DASHBOARD(Set.of("GET", "HEAD")),
        STATUS(Set.of("GET", "HEAD")),
        METRICS(Set.of("GET", "HEAD")),
        RESUMES(Set.of("POST")),
        ADMIN(Set.of("POST")),
        NOT_FOUND(Set.of()),
        /** The sender's address is not allowed. */
        FORBIDDEN(Set.of());

        private final Set<String> methods;

        Endpoint(Set<String> methods) {
            this.methods = methods;
        }

        /** The methods it answers; empty for those that answer any. */
        public Set<String> methods() {
            return methods;
        }
    }

    /**
     * A decision.
     *
     * @param endpoint the endpoint
     * @param operation the path after the prefix ({@code /status}, {@code /admin/settings})
     * @param methodAllowed whether the endpoint answers this method (else 405)
     * @param refusal for {@link Endpoint#FORBIDDEN}, the one-line answer: the path, the address judged and
     *     the setting that would let it in (never what the setting lists); null otherwise
     */
    public record Route(Endpoint endpoint, String operation, boolean methodAllowed, String refusal) {
    }

    /** The operations listed in a 404. */
    public static final String LIST = "/, /status, /metrics, " + Protocol.RESUMES_PATH + ", /admin/settings, /admin/reset-skills";

    private final String prefix;
    private final AdminAccess statusAllow;
    private final AdminAccess adminAllow;
    private final TrustedProxies trustedProxies;

    public Operations(String prefix, AdminAccess statusAllow, AdminAccess adminAllow, TrustedProxies trustedProxies) {
        this.prefix = prefix;
        this.statusAllow = statusAllow;
        this.adminAllow = adminAllow;
        this.trustedProxies = trustedProxies;
    }

    public String prefix() {
        return prefix;
    }

    /**
     * {@link #route(String, String, String, TrustedProxies.Headers)} of a request
     * without forwarding headers.
     */
    public Route route(String path, String method, String remoteAddress) {
        return route(path, method, remoteAddress, TrustedProxies.Headers.NONE);
    }

    /**
     * The route of a request whose path (after the context and servlet paths) is
     * {@code path}, or null when it is not under the prefix: then it is proxied.
     *
     * @param remoteAddress the connection's remote address as the container reports it
     * @param headers the request's headers (only {@link TrustedProxies#CLIENT_HEADERS} are read)
     */
    public Route route(String path, String method, String remoteAddress, TrustedProxies.Headers headers) {
        if (!path.startsWith(prefix) || (path.length() != prefix.length() && path.charAt(prefix.length()) != '/')) {
            return null;
        }
        String operation = path.substring(prefix.length());
        if (operation.equals(Protocol.RESUMES_PATH)) {
            return route(Endpoint.RESUMES, operation, method);
        }
        String refusal = refusal(operation, remoteAddress, headers);
        if (refusal != null) {
            return new Route(Endpoint.FORBIDDEN, operation, true, refusal);
        }
        Endpoint endpoint = switch (operation) {
            case "" -> Endpoint.REDIRECT;
            case "/" -> Endpoint.DASHBOARD;
            case "/status" -> Endpoint.STATUS;
            case "/metrics" -> Endpoint.METRICS;
            default -> operation.startsWith("/admin/") ? Endpoint.ADMIN : Endpoint.NOT_FOUND;
        };
        return route(endpoint, operation, method);
    }

    /** Null when the sender may use the operation; otherwise the answer's message. */
    private String refusal(String operation, String remoteAddress, TrustedProxies.Headers headers) {
        boolean forwarded = TrustedProxies.forwarded(headers);
        String client = forwarded ? trustedProxies.client(remoteAddress, headers) : remoteAddress;
        boolean admin = operation.startsWith("/admin/");
        if (admin ? allows(adminAllow, client, forwarded)
                : allows(statusAllow, client, forwarded) || allows(adminAllow, client, forwarded)) {
            return null;
        }
        return prefix + operation + ": " + printable(client) + " is not allowed (setting " + (admin ? "adminAllow" : "statusAllow")
                + (forwarded ? "; a request with Forwarded, X-Forwarded-For or X-Real-IP is judged by its client's address,"
                        + " never as loopback: see trustedProxies)" : ")");
    }

    /** An address as it may be echoed: it can come from a header, so at most 64 address characters. */
    static String printable(String address) {
        if (address == null) {
            return "(no address)";
        }
        StringBuilder s = new StringBuilder(Math.min(address.length(), 64));
        for (int i = 0; i < address.length() && i < 64; i++) {
            char c = address.charAt(i);
            s.append(c < 128 && (Character.isLetterOrDigit(c) || ".:[]%_-".indexOf(c) >= 0) ? c : '?');
        }
        return s.toString();
    }

    private static boolean allows(AdminAccess access, String client, boolean forwarded) {
        return forwarded ? access.lists(client) : access.allows(client);
    }

    private static Route route(Endpoint endpoint, String operation, String method) {
        return new Route(endpoint, operation, endpoint.methods().isEmpty() || endpoint.methods().contains(method), null);
    }
}
