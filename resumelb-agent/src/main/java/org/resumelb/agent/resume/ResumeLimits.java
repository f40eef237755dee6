package org.resumelb.agent.resume;

/**
 * Bounds on a résumé document, so that no push can make the load balancer
 * spend unbounded memory or time.
 *
 * @param maxBodyBytes        largest body accepted
 * @param maxClasses          most classes in one résumé
 * @param maxClassNameLength  longest class name, in characters
 * @param maxUrlLength        longest worker URL
 * @param maxIdLength         longest id and version
 */
public record ResumeLimits(int maxBodyBytes, int maxClasses, int maxClassNameLength, int maxUrlLength, int maxIdLength) {

    public static final ResumeLimits DEFAULT = new ResumeLimits(1024 * 1024, 10_000, 256, 2048, 256);

    public ResumeLimits {
        if (maxBodyBytes < 64 || maxClasses < 1 || maxClassNameLength < 1 || maxUrlLength < 16 || maxIdLength < 8) {
            throw new IllegalArgumentException("résumé limits too small: " + this);
        }
    }
}
