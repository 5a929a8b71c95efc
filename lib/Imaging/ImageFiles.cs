namespace DistillKit.Imaging;

/// <summary>File access shared by the image and flow readers: missing files and short files raise exceptions naming the file.</summary>
internal static class ImageFiles
{
    /// <summary>All bytes of <paramref name="path"/>; <see cref="FileNotFoundException"/> naming it when it does not exist.</summary>
    internal static byte[] ReadAll(string path, string what)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: {what} file not found" +
                (Directory.Exists(path) ? " (the path is a directory)" : ""), path);
        return File.ReadAllBytes(path);
    }

    /// <summary>Writes <paramref name="bytes"/>, creating the folder when needed.</summary>
    internal static void WriteAll(string path, byte[] bytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        File.WriteAllBytes(path, bytes);
    }
}
