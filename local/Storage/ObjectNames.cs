using System.Text;

namespace Pipeline.Local.Storage;

/// <summary>
/// Object names of the local bucket and the files that hold them: <c>a/b.csv</c> is <c>&lt;bucket dir&gt;/a/b.csv</c>.
/// A directory can hold only what a path can name, so a name is refused (400) when it is empty, longer than 1024 UTF-8
/// bytes, holds a control character or <c>\</c>, has an empty segment (<c>a//b</c>, a trailing <c>/</c>), or a segment
/// that starts with <c>.</c> (dot-files are the stack's own, never objects).
/// </summary>
public static class ObjectNames
{
    /// <summary>Why <paramref name="name"/> cannot be an object of the local bucket, or null when it can.</summary>
    public static string? Problem(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "The object name is required.";
        }
        if (Encoding.UTF8.GetByteCount(name) > 1024)
        {
            return "The object name is longer than 1024 bytes.";
        }
        if (name.Any(c => char.IsControl(c) || c == '\\'))
        {
            return $"The object name '{name}' holds a control character or '\\', which the local bucket directory cannot store.";
        }
        foreach (var segment in name.Split('/'))
        {
            if (segment.Length == 0 || segment[0] == '.')
            {
                return $"The object name '{name}' has an empty segment or one starting with '.', which the local bucket directory cannot store.";
            }
        }
        return null;
    }

    /// <summary>The file that holds <paramref name="name"/> under <paramref name="root"/> (a full path); the name must have no <see cref="Problem"/>.</summary>
    public static string PathOf(string root, string name) => Path.Combine(root, name.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>The object a file under <paramref name="root"/> holds, or null for a file that holds none (a dot-file, say).</summary>
    public static string? NameOf(string root, string path)
    {
        var name = Path.GetRelativePath(root, path).Replace(Path.DirectorySeparatorChar, '/');
        return Problem(name) is null ? name : null;
    }

    /// <summary>The media type of a file dropped into the bucket, from its name.</summary>
    public static string GuessContentType(string name) =>
        name.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? "application/gzip"
        : name.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) ? "text/csv"
        : "application/octet-stream";
}
