package org.resumelb.agent.classify;

/**
 * The few facts of an HTTP request a classifier may look at. The filter and the
 * proxy adapt their servlet requests to it with {@link ServletRequestView};
 * tests use plain implementations.
 */
public interface RequestView {

    String method();

    /** The Host header as sent (may include a port), or null. */
    String host();

    /**
     * The request path, never null: as the application sees it (after the
     * context path) in the filter, as forwarded (after the context and servlet
     * paths) in the proxy; see {@link ServletRequestView}.
     */
    String path();

    /** The raw query string, or null. */
    String query();

    /** The first value of the named header, or null. */
    String header(String name);
}
