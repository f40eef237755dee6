package org.resumelb.agent.classify;

/**
 * Maps a request to its request class: the unit of cache locality (a site, a
 * tenant, a path prefix). Implementations must be thread-safe and cheap: they
 * run on every request, in the proxy and in the filter. A user class named in
 * the {@code classifier} setting implements this interface and has a public
 * no-argument constructor.
 *
 * <p>Return null or "" when the request has no class; callers then use
 * {@link RequestClasses#DEFAULT_CLASS}.
 */
@FunctionalInterface
public interface RequestClassifier {

    String classify(RequestView request);
}
