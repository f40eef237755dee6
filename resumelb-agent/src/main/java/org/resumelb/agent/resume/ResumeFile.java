package org.resumelb.agent.resume;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

import org.resumelb.agent.Log;
import org.resumelb.agent.io.AtomicFile;

/**
 * The worker's résumé kept across restarts. Saving goes through
 * {@link AtomicFile} (a temporary file in the same directory, forced to disk and
 * renamed over the old one), so a crash leaves either the old or the new file,
 * never a torn one. Loading never fails a start: a missing file is silently
 * empty, a corrupt one is logged and ignored. Stateless; callers serialize
 * their own saves.
 */
public final class ResumeFile {

    private static final Log LOG = Log.get(ResumeFile.class);

    private ResumeFile() {
    }

    public static void save(Path file, ResumeCodec codec, Resume resume) throws IOException {
        save(file, codec.encode(resume));
    }

    public static void save(Path file, byte[] json) throws IOException {
        AtomicFile.write(file, json, false);
    }

    /** The saved résumé, or empty when there is none or it cannot be used (logged). */
    public static Optional<Resume> load(Path file, ResumeCodec codec) {
        byte[] body;
        try {
            body = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            LOG.warn("ResumeLB ignores the résumé file {}: cannot read it: {}", file, e.toString());
            return Optional.empty();
        }
        try {
            return Optional.of(codec.decode(body));
        } catch (ResumeException e) {
            LOG.warn("ResumeLB ignores the corrupt résumé file {}: {}", file, e.getMessage());
            return Optional.empty();
        }
    }
}
