namespace DistillKit.Cli;

/// <summary>Locates the repository root (the folder holding Lib.csproj).</summary>
public static class Repo
{
    public static string Root
    {
        get
        {
            foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
                for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
                    if (File.Exists(Path.Combine(d.FullName, "Lib.csproj"))) return d.FullName;
            throw new InvalidOperationException("cannot find the DistillKit repository (a folder holding Lib.csproj) above the current directory");
        }
    }
}
