using Xunit;

namespace DistillKit.Tests.Torch;

/// <summary>
/// Every wrapped operator family against golden files written by tests/reference/make_op_golden.py with PyTorch
/// (same libtorch 1.13.1): forward outputs and the gradients of sum_k (out_k * w_k).sum() w.r.t. the float inputs.
/// Integer and boolean outputs must match exactly; float32 tolerances are given per family below. The reference and
/// the kit run the same kernels, so on one machine the results are bit-identical; the tolerances leave room for
/// thread-count-dependent summation order (a wrong argument shows up as errors of order 0.1 to 1).
/// </summary>
public class OpGoldenTests
{
    /// <summary>Elementwise kernels: the kit calls the same kernels, so only vectorisation order may differ.</summary>
    static readonly Tolerance Tight = new(1e-6, 1e-6);

    /// <summary>Reductions and normalisations: summation order may depend on threading.</summary>
    static readonly Tolerance Reduce = new(1e-5, 1e-5);

    /// <summary>Convolutions and products (oneDNN / BLAS blocking may differ with thread count).</summary>
    static readonly Tolerance Blas = new(1e-5, 1e-4);

    public static TheoryData<string> Elementwise => GoldenStore.Cases("elementwise");
    public static TheoryData<string> Comparison => GoldenStore.Cases("comparison");
    public static TheoryData<string> WhereClamp => GoldenStore.Cases("where_clamp");
    public static TheoryData<string> Reduction => GoldenStore.Cases("reduction");
    public static TheoryData<string> View => GoldenStore.Cases("view");
    public static TheoryData<string> Matmul => GoldenStore.Cases("matmul");
    public static TheoryData<string> Pad => GoldenStore.Cases("pad");
    public static TheoryData<string> Interpolate => GoldenStore.Cases("interpolate");
    public static TheoryData<string> GridSample => GoldenStore.Cases("grid_sample");
    public static TheoryData<string> Conv2d => GoldenStore.Cases("conv2d");
    public static TheoryData<string> ConvTranspose2d => GoldenStore.Cases("conv_transpose2d");
    public static TheoryData<string> Pool => GoldenStore.Cases("pool");
    public static TheoryData<string> Norm => GoldenStore.Cases("norm");
    public static TheoryData<string> Softmax => GoldenStore.Cases("softmax");
    public static TheoryData<string> Activation => GoldenStore.Cases("activation");
    public static TheoryData<string> UnfoldFold => GoldenStore.Cases("unfold_fold");
    public static TheoryData<string> Loss => GoldenStore.Cases("loss");
    public static TheoryData<string> Misc => GoldenStore.Cases("misc");

    [Theory, MemberData(nameof(Elementwise))]
    public void ElementwiseMatchesPyTorch(string name) => GoldenRunner.Run("elementwise", name, Tight);

    [Theory, MemberData(nameof(Comparison))]
    public void ComparisonMatchesPyTorch(string name) => GoldenRunner.Run("comparison", name, Tolerance.Exact);

    [Theory, MemberData(nameof(WhereClamp))]
    public void WhereAndClampMatchPyTorch(string name) => GoldenRunner.Run("where_clamp", name, Tolerance.Exact);

    [Theory, MemberData(nameof(Reduction))]
    public void ReductionMatchesPyTorch(string name) => GoldenRunner.Run("reduction", name, Reduce);

    [Theory, MemberData(nameof(View))]
    public void ViewsIndexingAndJoiningMatchPyTorch(string name) => GoldenRunner.Run("view", name, Tolerance.Exact, Reduce);

    [Theory, MemberData(nameof(Matmul))]
    public void MatmulMatchesPyTorch(string name) => GoldenRunner.Run("matmul", name, Blas);

    [Theory, MemberData(nameof(Pad))]
    public void PadMatchesPyTorch(string name) => GoldenRunner.Run("pad", name, Tolerance.Exact, Tight);

    [Theory, MemberData(nameof(Interpolate))]
    public void InterpolateMatchesPyTorch(string name) => GoldenRunner.Run("interpolate", name, Tight, Reduce);

    [Theory, MemberData(nameof(GridSample))]
    public void GridSampleMatchesPyTorch(string name) => GoldenRunner.Run("grid_sample", name, Tight, Reduce);

    [Theory, MemberData(nameof(Conv2d))]
    public void Conv2dMatchesPyTorch(string name) => GoldenRunner.Run("conv2d", name, Blas);

    [Theory, MemberData(nameof(ConvTranspose2d))]
    public void ConvTranspose2dMatchesPyTorch(string name) => GoldenRunner.Run("conv_transpose2d", name, Blas);

    [Theory, MemberData(nameof(Pool))]
    public void PoolingMatchesPyTorch(string name) => GoldenRunner.Run("pool", name, Tight, Reduce);

    [Theory, MemberData(nameof(Norm))]
    public void NormalisationMatchesPyTorch(string name) => GoldenRunner.Run("norm", name, Reduce);

    [Theory, MemberData(nameof(Softmax))]
    public void SoftmaxMatchesPyTorch(string name) => GoldenRunner.Run("softmax", name, Reduce);

    [Theory, MemberData(nameof(Activation))]
    public void ActivationMatchesPyTorch(string name) => GoldenRunner.Run("activation", name, Tight);

    [Theory, MemberData(nameof(UnfoldFold))]
    public void UnfoldAndFoldMatchPyTorch(string name) => GoldenRunner.Run("unfold_fold", name, Tolerance.Exact, Tight);

    [Theory, MemberData(nameof(Loss))]
    public void LossMatchesPyTorch(string name) => GoldenRunner.Run("loss", name, Reduce);

    [Theory, MemberData(nameof(Misc))]
    public void MiscMatchesPyTorch(string name) => GoldenRunner.Run("misc", name, Reduce);
}
