using System.Globalization;
using System.Text;
using DistillKit.Data.Semantic;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Data.Formats;

/// <summary>
/// The points of a keypoint CSV with the 1-based line each came from (for error messages). Owns its tensor.
/// </summary>
/// <param name="Path">The file read.</param>
/// <param name="Points">[N,2] float32 (x, y) in pixels (pixel centres at integer coordinates, DESIGN.md).</param>
/// <param name="Lines">The line of each row, N entries.</param>
public sealed record KeypointRows(string Path, Tensor Points, IReadOnlyList<int> Lines) : IDisposable
{
    /// <summary>N, the number of points.</summary>
    public int Count => Lines.Count;

    /// <summary>
    /// Throws <see cref="InvalidDataException"/> naming this file and the line of the first point outside a
    /// <paramref name="width"/>×<paramref name="height"/> image (<paramref name="image"/>, for the message). The image spans
    /// −½ … W − ½ by −½ … H − ½ (its pixels' outer edges, pixel centres at integers); a point on that edge is inside.
    /// </summary>
    public void CheckInside(long width, long height, string image)
    {
        var xy = Points.data<float>().ToArray();
        for (int i = 0; i < Count; i++)
        {
            float x = xy[2 * i], y = xy[2 * i + 1];
            if (x >= -0.5f && x <= width - 0.5f && y >= -0.5f && y <= height - 0.5f) continue;
            throw new InvalidDataException($"{Path}:{Lines[i]}: point ({Number(x)}, {Number(y)}) lies outside {image} ({width}×{height}; " +
                                           $"x in [−0.5, {Number(width - 0.5f)}], y in [−0.5, {Number(height - 0.5f)}], pixel centres at integers)");
        }
    }

    static string Number(float v) => v.ToString("G", CultureInfo.InvariantCulture);

    public void Dispose() => Points.Dispose();
}

/// <summary>
/// Keypoints as CSV text: a header line naming the columns <c>x</c> and <c>y</c>, then one point per line, (x, y) in pixels
/// of its image (pixel centres at integer coordinates, DESIGN.md), invariant-culture numbers. Reading accepts other columns
/// (ignored: a written file with its confidence reads back), quoted fields, blank lines, CRLF and a UTF-8 byte-order mark;
/// every error is an <see cref="InvalidDataException"/> naming the file and the line (<c>path:line: …</c>): a header without
/// <c>x</c> or <c>y</c>, a row with another number of fields than the header, a value that is not a finite number (NaN
/// included), an empty file, a file with no point.
/// </summary>
public static class KeypointCsv
{
    const string Format = "a header line x,y then one point x,y per line, in pixels";

    /// <summary>Reads <paramref name="path"/>; <see cref="FileNotFoundException"/> when it is missing.</summary>
    public static KeypointRows Read(string path)
    {
        var table = CsvTable.Read(path, "points file");
        int xi = table.Require("x", Format), yi = table.Require("y", Format);
        if (table.Rows.Count == 0) throw new InvalidDataException($"{path}: no points (only the header line); expected {Format}");
        var xy = new float[2 * table.Rows.Count];
        var lines = new int[table.Rows.Count];
        for (int i = 0; i < table.Rows.Count; i++)
        {
            var (line, fields) = table.Rows[i];
            xy[2 * i] = CsvTable.Number(fields[xi], path, line, "x", missingAsNaN: false);
            xy[2 * i + 1] = CsvTable.Number(fields[yi], path, line, "y", missingAsNaN: false);
            lines[i] = line;
        }
        return new KeypointRows(path, torch.tensor(xy, [table.Rows.Count, 2]), lines);
    }

    /// <summary>
    /// Writes points [N,2] (x, y) in pixels and, when given, per-point columns ([N] each, e.g. <c>confidence</c>) after them,
    /// in shortest round-trip notation, replacing the file whole (<see cref="Runtime.AtomicFile"/>).
    /// </summary>
    public static void Write(string path, Tensor points, IReadOnlyList<(string Name, Tensor Values)>? columns = null)
    {
        if (points.dim() != 2 || points.size(1) != 2)
            throw new ArgumentException($"KeypointCsv.Write: points must be [N,2] (x, y), got [{string.Join(",", points.shape)}]");
        long n = points.size(0);
        columns ??= [];
        foreach (var (name, values) in columns)
            if (values.dim() != 1 || values.size(0) != n || name.Length == 0 || name.Contains(',') || name.Contains('"'))
                throw new ArgumentException($"KeypointCsv.Write: column '{name}' must have a plain name and [{n}] values, got [{string.Join(",", values.shape)}]");
        var xy = Floats(points);
        var extra = columns.Select(c => Floats(c.Values)).ToArray();
        var text = new StringBuilder("x,y");
        foreach (var (name, _) in columns) text.Append(',').Append(name);
        text.Append('\n');
        for (long i = 0; i < n; i++)
        {
            text.Append(Number(xy[2 * i])).Append(',').Append(Number(xy[2 * i + 1]));
            foreach (var values in extra) text.Append(',').Append(Number(values[i]));
            text.Append('\n');
        }
        Runtime.AtomicFile.WriteText(path, "the points", text.ToString());
    }

    static float[] Floats(Tensor t)
    {
        using var f = t.detach().to(torch.CPU).to_type(ScalarType.Float32).contiguous();
        return f.data<float>().ToArray();
    }

    static string Number(float v) => v.ToString("R", CultureInfo.InvariantCulture);
}
