package search

import (
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distuv"
)

// gp is a Gaussian process over a space's coordinates with a Matérn-5/2
// kernel, one length scale per dimension (a categorical dimension's one-hot
// columns share one), fitted to residuals from a prior mean.
type gp struct {
	groups [][]int
	ls     []float64 // length scale per group
	sf2    float64   // signal variance
	sn2    float64   // noise variance
	x      [][]float64
	r      []float64 // observed residuals
	chol   mat.Cholesky
	alpha  *mat.VecDense
}

// lengthScales are the candidate length scales. Coordinates are in [0, 1];
// longer scales than the space's span made the process overconfident about
// what lies between the points measured (the synthetic benchmark's misses).
var lengthScales = []float64{0.15, 0.3, 0.6, 1.0}

func (g *gp) kern(a, b []float64) float64 {
	d2 := 0.0
	for gi, cols := range g.groups {
		for _, c := range cols {
			d := (a[c] - b[c]) / g.ls[gi]
			d2 += d * d
		}
	}
	d := math.Sqrt(5 * d2)
	return g.sf2 * (1 + d + d*d/3) * math.Exp(-d)
}

// factor factorizes the observed covariance and returns the log marginal
// likelihood (−Inf when the matrix is not positive definite).
func (g *gp) factor() float64 {
	n := len(g.x)
	k := mat.NewSymDense(n, nil)
	for a := 0; a < n; a++ {
		for b := a; b < n; b++ {
			v := g.kern(g.x[a], g.x[b])
			if a == b {
				v += g.sn2 + 1e-10
			}
			k.SetSym(a, b, v)
		}
	}
	if ok := g.chol.Factorize(k); !ok {
		return math.Inf(-1)
	}
	r := mat.NewVecDense(n, g.r)
	g.alpha = mat.NewVecDense(n, nil)
	if err := g.chol.SolveVecTo(g.alpha, r); err != nil {
		return math.Inf(-1)
	}
	return -0.5*mat.Dot(r, g.alpha) - 0.5*g.chol.LogDet() - float64(n)/2*math.Log(2*math.Pi)
}

// fitGP fits the length scales by coordinate ascent on the marginal
// likelihood over lengthScales, two passes.
func fitGP(x [][]float64, r []float64, groups [][]int, sf2, sn2 float64) *gp {
	g := &gp{groups: groups, sf2: sf2, sn2: sn2, x: x, r: r, ls: make([]float64, len(groups))}
	for i := range g.ls {
		g.ls[i] = 0.6
	}
	if len(x) == 0 {
		return g
	}
	best := g.factor()
	for pass := 0; pass < 2 && len(x) > 2; pass++ {
		for d := range g.ls {
			keep := g.ls[d]
			for _, l := range lengthScales {
				g.ls[d] = l
				if ll := g.factor(); ll > best+1e-9 {
					best, keep = ll, l
				}
			}
			g.ls[d] = keep
		}
	}
	g.factor()
	return g
}

// predict is the posterior mean residual and standard deviation (of the
// latent function, without the measurement noise) at x.
func (g *gp) predict(x []float64) (mu, sd float64) {
	n := len(g.x)
	if n == 0 || g.alpha == nil {
		return 0, math.Sqrt(g.sf2)
	}
	k := mat.NewVecDense(n, nil)
	for a := range g.x {
		k.SetVec(a, g.kern(x, g.x[a]))
	}
	v := mat.NewVecDense(n, nil)
	if err := g.chol.SolveVecTo(v, k); err != nil {
		return 0, math.Sqrt(g.sf2)
	}
	return mat.Dot(k, g.alpha), math.Sqrt(max(0, g.kern(x, x)-mat.Dot(k, v)))
}

// expectedImprovement is E[max(0, best − f)] for f ~ N(mu, sd²) (lower is better).
func expectedImprovement(mu, sd, best float64) float64 {
	if sd <= 0 {
		return max(0, best-mu)
	}
	z := (best - mu) / sd
	n := distuv.UnitNormal
	return (best-mu)*n.CDF(z) + sd*n.Prob(z)
}
