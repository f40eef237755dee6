package org.resumelb.proxy.operations;

import java.util.Set;

import org.resumelb.agent.protocol.Protocol;

/**
 * Which of the load balancer's own endpoints a request is for, and whether its
 * sender may use it, decided from the path, the method and the remote address
 * alone (no servlet types, so it is tested without a container). Everything
 * under the prefix ({@code /_resumelb} by default) is the load balancer's and
 * never proxied: {@code POST <prefix>/resumes} takes résumé pushes from anyone
 * (they are signed); everything else shows or steers the load balancer and
 * answers only the addresses {@code adminAllow} lets in (loopback always).
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
     */
    public record Route(Endpoint endpoint, String operation, boolean methodAllowed) {
    }

    /** The operations listed in a 404. */
    public static final String LIST = "/, /status, /metrics, " + Protocol.RESUMES_PATH + ", /admin/settings, /admin/reset-skills";

    private final String prefix;
    private final AdminAccess access;

    public Operations(String prefix, AdminAccess access) {
        this.prefix = prefix;
        this.access = access;
    }

    public String prefix() {
        return prefix;
    }

    public AdminAccess access() {
        return access;
    }

    /**
     * The route of a request whose path (after the context and servlet paths) is
     * {@code path}, or null when it is not under the prefix: then it is proxied.
     */
    public Route route(String path, String method, String remoteAddress) {
        if (!path.startsWith(prefix) || (path.length() != prefix.length() && path.charAt(prefix.length()) != '/')) {
            return null;
        }
        String operation = path.substring(prefix.length());
        if (operation.equals(Protocol.RESUMES_PATH)) {
            return route(Endpoint.RESUMES, operation, method);
        }
        if (!access.allows(remoteAddress)) {
            return new Route(Endpoint.FORBIDDEN, operation, true);
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

    private static Route route(Endpoint endpoint, String operation, String method) {
        return new Route(endpoint, operation, endpoint.methods().isEmpty() || endpoint.methods().contains(method));
    }
}
