using System.Diagnostics;
using DistillKit.Cli.Notebooks;
using Xunit;
using static DistillKit.Tests.Notebooks.NotebookTestKit;

namespace DistillKit.Tests.Notebooks;

/// <summary>How runs fail and where things resolve: errors name notebook and cell, timeouts stop the run, #r resolves
/// against the notebook's folder, run-all goes on past a failure.</summary>
public sealed class NotebookRunFailureTests
{
    [Fact]
    public async Task FailingCellStopsTheRunAndIsReported()
    {
        var dir = TempDir("error");
        new NotebookWriter()
            .Markdown("# Fails")
            .Code("var a = 1;")
            .Code("throw new InvalidOperationException(\"boom\");")
            .Code("Console.WriteLine(\"after\");")
            .Save(Path.Combine(dir, "err.ipynb"));
        var result = await NotebookRunner.RunAsync(Path.Combine(dir, "err.ipynb"), new RunOptions { OutDir = Path.Combine(dir, "out") });

        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.Equal(3, result.FailedCell);
        Assert.Equal("notebook err: cell 3 failed: boom", result.Message);
        var executed = NotebookDocument.Load(result.NotebookPath);
        var error = Assert.Single(Outputs(executed.Cells[2], "error"));
        Assert.Equal("InvalidOperationException", (string?)error["ename"]);
        Assert.Equal("boom", (string?)error["evalue"]);
        Assert.Null(executed.Cells[3].Json["execution_count"]);
        Assert.Empty(Outputs(executed.Cells[3]));
        Assert.Contains("cell 3 failed: boom", File.ReadAllText(result.HtmlPath));
        var (code, output) = ValidateWithNbformat(result.NotebookPath);
        Assert.True(code == 0, output);
    }

    [Fact]
    public async Task CompileErrorIsReportedWithTheCellNumber()
    {
        var dir = TempDir("compile");
        new NotebookWriter().Code("var a = 1;").Code("var b = undefinedName;").Save(Path.Combine(dir, "bad.ipynb"));
        var result = await NotebookRunner.RunAsync(Path.Combine(dir, "bad.ipynb"), new RunOptions { OutDir = Path.Combine(dir, "out") });
        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.Equal(2, result.FailedCell);
        Assert.Equal("notebook bad: cell 2 failed: (1,9): error CS0103: The name 'undefinedName' does not exist in the current context", result.Message);
        Assert.Equal("CompilationError", (string?)Assert.Single(Outputs(NotebookDocument.Load(result.NotebookPath).Cells[1], "error"))["ename"]);
    }

    [Fact]
    public async Task CellsSeeTheKernelsImportsAndNoMore()
    {
        // The C# kernel imports System, System.Text, System.Collections(.Generic), System.Linq, System.Threading.Tasks; not System.IO.
        var dir = TempDir("imports");
        new NotebookWriter().Code("new StringBuilder(\"ok\").ToString()").Code("Directory.GetCurrentDirectory()").Save(Path.Combine(dir, "imports.ipynb"));
        var result = await NotebookRunner.RunAsync(Path.Combine(dir, "imports.ipynb"), new RunOptions { OutDir = Path.Combine(dir, "out") });
        Assert.Equal(2, result.FailedCell);
        Assert.Equal("notebook imports: cell 2 failed: (1,1): error CS0103: The name 'Directory' does not exist in the current context", result.Message);
    }

    [Fact]
    public async Task RefusesToOverwriteTheSourceNotebook()
    {
        var dir = TempDir("same");
        new NotebookWriter().Code("1").Save(Path.Combine(dir, "a.ipynb"));
        await Assert.ThrowsAsync<ArgumentException>(() => NotebookRunner.RunAsync(Path.Combine(dir, "a.ipynb"), new RunOptions { OutDir = dir }));
        Assert.Empty(NotebookDocument.Load(Path.Combine(dir, "a.ipynb")).Cells[0].Json["outputs"]!.AsArray());
    }

    [Fact]
    public async Task CellTimeoutAbortsTheRun()
    {
        var dir = TempDir("timeout");
        // the first cell compiles the kernel's first submission (over 1 s on this machine's AMD EPYC), so the timeout is 4 s;
        // the sleeping cell would take 180 s, and the kernel's start alone took 20+ s under load (the bound is generous)
        new NotebookWriter().Code("var x = 1;").Code("System.Threading.Thread.Sleep(180000);").Code("x")
            .Save(Path.Combine(dir, "slow.ipynb"));
        var clock = Stopwatch.StartNew();
        var result = await NotebookRunner.RunAsync(Path.Combine(dir, "slow.ipynb"),
            new RunOptions { OutDir = Path.Combine(dir, "out"), CellTimeout = TimeSpan.FromSeconds(4) });
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(120), $"took {clock.Elapsed}");
        Assert.Equal(RunStatus.TimedOut, result.Status);
        Assert.True(result.FailedCell == 2, $"cell {result.FailedCell} failed: {result.Message}");
        Assert.Contains("cell 2 timed out after 4 s", result.Message);
        var executed = NotebookDocument.Load(result.NotebookPath);
        Assert.Single(Outputs(executed.Cells[1], "error"));
        Assert.Null(executed.Cells[2].Json["execution_count"]);
    }

    [Fact]
    public async Task NuGetReferenceGivesAClearError()
    {
        var dir = TempDir("nuget");
        new NotebookWriter().Code("#r \"nuget: Newtonsoft.Json, 13.0.1\"").Save(Path.Combine(dir, "pkg.ipynb"));
        var result = await NotebookRunner.RunAsync(Path.Combine(dir, "pkg.ipynb"), new RunOptions { OutDir = Path.Combine(dir, "out") });
        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.Contains("cannot be downloaded", result.Message);
        Assert.Contains("Lib.dll", result.Message);
        Assert.Equal("NuGetNotAvailable", (string?)Assert.Single(Outputs(NotebookDocument.Load(result.NotebookPath).Cells[0], "error"))["ename"]);
    }

    [Fact]
    public async Task ReferenceResolvesRelativeToTheNotebookAndLoadsSiblingDependencies()
    {
        var dir = TempDir("ref");
        var refs = Directory.CreateDirectory(Path.Combine(dir, "refs")).FullName;
        var dep = Path.Combine(refs, "NbFixtureDep.dll");
        CompileLibrary(dep, "public static class Dep { public static string Tag => \"dep\"; }");
        CompileLibrary(Path.Combine(refs, "NbFixtureLib.dll"),
            "public static class Greeter { public static string Hello(string n) => $\"hello {n} via {Dep.Tag}\"; }", dep);
        new NotebookWriter().Code("#r \"refs/NbFixtureLib.dll\"").Code("Greeter.Hello(\"nb\")").Save(Path.Combine(dir, "ref.ipynb"));
        Assert.NotEqual(Path.GetFullPath(dir), Environment.CurrentDirectory); // so "refs/" must resolve against the notebook

        var result = await NotebookRunner.RunAsync(Path.Combine(dir, "ref.ipynb"), new RunOptions { OutDir = Path.Combine(dir, "out") });
        Assert.True(result.Succeeded, result.Message);
        var value = Assert.Single(Outputs(NotebookDocument.Load(result.NotebookPath).Cells[1], "execute_result"));
        Assert.Equal("hello nb via dep", Text(value["data"]!["text/plain"]));
    }

    [Fact]
    public async Task RunAllRunsInNameOrderAndWritesAnIndex()
    {
        var dir = TempDir("all");
        new NotebookWriter().Code("System.IO.File.WriteAllText(\"second-ran.txt\", \"x\")")
            .Code("\"not the headline\"")
            .Code("display(\"headline text 42\"); HTML(\"<table><tr><td>headline cell 7</td></tr></table>\")", "headline")
            .Save(Path.Combine(dir, "02-second.ipynb"));
        new NotebookWriter().Code("throw new Exception(\"nope\");").Save(Path.Combine(dir, "01-first.ipynb"));
        var all = await NotebookRunner.RunAllAsync(dir, new RunOptions { OutDir = Path.Combine(dir, "out") });

        Assert.Equal(new[] { "01-first", "02-second" }, all.Results.Select(r => r.Name));
        Assert.False(all.Succeeded);
        Assert.True(all.Results[1].Succeeded, all.Results[1].Message);
        var index = File.ReadAllText(all.IndexPath);
        Assert.Contains("<a href=\"01-first.html\">01-first</a>", index);
        Assert.Contains("<a href=\"02-second.html\">02-second</a>", index);
        Assert.Contains("cell 1 failed: nope", index);
        Assert.Contains("1 of 2 notebooks passed in ", index);
        Assert.Contains("<th>total</th>", index);
        // the headline cell's outputs follow the table, under the notebook's name
        Assert.Contains("<td>headline cell 7</td>", index);
        Assert.Contains("headline text 42", index);
        Assert.DoesNotContain("not the headline", index);
        Assert.True(index.IndexOf("<h2><a href=\"02-second.html\">", StringComparison.Ordinal) < index.IndexOf("headline cell 7", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(dir, "second-ran.txt"))); // cells run in the notebook's folder
    }
}
