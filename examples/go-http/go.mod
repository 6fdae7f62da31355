module capdiet.example/go-http

go 1.19
