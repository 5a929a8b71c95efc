using System.Reflection;

namespace DistillKit.Models.Backbones;

/// <summary>
/// The files of the NuGet package <c>Microsoft.ML.DnnImageFeaturizer.ResNet18</c> 0.24.0 in the NuGet cache. Lib.csproj
/// names it as a <c>PackageDownload</c>, so any restore of the library (<c>./kit</c>, <c>environment/setup.sh</c>,
/// <c>dotnet build</c>) puts it in the cache; nothing of it is referenced or copied into the build.
/// </summary>
public static class DnnImageFeaturizerPackage
{
    public const string Id = "Microsoft.ML.DnnImageFeaturizer.ResNet18";
    public const string Version = "0.24.0";

    /// <summary>The network (CNTK 2.6 export): input <c>[1,3,224,224]</c> preprocessed BGR, output the pooled <c>[1,512,1,1]</c>.</summary>
    public static string NetworkFile => File("tools/DnnImageModels/ResNet18Onnx/ResNet18.onnx");

    /// <summary>The preprocessing graph: RGB on the 0–255 scale → BGR minus a 224×224 mean image.</summary>
    public static string PreprocessFile => File("tools/DnnImageModels/ResNetPrepOnnx/ResNetPreprocess.onnx");

    /// <summary>NuGet cache folders searched, in order: <c>NUGET_PACKAGES</c>, the one the library was restored into, <c>~/.nuget/packages</c>.</summary>
    public static IReadOnlyList<string> CacheFolders()
    {
        var folders = new List<string>();
        void Add(string? f)
        {
            if (!string.IsNullOrWhiteSpace(f) && !folders.Contains(Path.TrimEndingDirectorySeparator(f))) folders.Add(Path.TrimEndingDirectorySeparator(f));
        }
        Add(Environment.GetEnvironmentVariable("NUGET_PACKAGES"));
        Add(typeof(DnnImageFeaturizerPackage).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "NuGetPackageRoot")?.Value);
        Add(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"));
        return folders;
    }

    /// <summary>The package's folder in the first of <see cref="CacheFolders"/> that holds it (<see cref="FindFolder"/>).</summary>
    public static string Folder => FindFolder(CacheFolders());

    /// <summary>The package's folder in the first of <paramref name="cacheFolders"/> that holds it; a
    /// <see cref="DirectoryNotFoundException"/> says where it looked and how to restore it.</summary>
    public static string FindFolder(IEnumerable<string> cacheFolders)
    {
        var tried = cacheFolders.Select(c => Path.Combine(c, Id.ToLowerInvariant(), Version)).ToList();
        return tried.FirstOrDefault(Directory.Exists) ?? throw new DirectoryNotFoundException(
            $"the NuGet package {Id} {Version} (the ImageNet ResNet-18 as ONNX) is not in the NuGet cache; looked in {string.Join(", ", tried)}. " +
            "Restore it once with access to the NuGet registry: `dotnet restore Lib.csproj` or `bash environment/setup.sh` " +
            "(Lib.csproj names it as a PackageDownload).");
    }

    static string File(string relative)
    {
        var folder = Folder;
        var path = Path.Combine(folder, relative);
        if (!System.IO.File.Exists(path))
            throw new FileNotFoundException($"{path} is missing: the cached package {Id} {Version} is incomplete. " +
                $"Delete {folder} and restore again (`dotnet restore Lib.csproj`).", path);
        return path;
    }
}
